import Testing
@testable import NexusSchema

@Suite struct SchemaCompileTests {
    @Test func refusesUnknownKeywordsWithTheirLocationAndTheSupportedList() {
        let list = problems(##"{"properties":{"a":{"typo":1}}}"##)
        #expect(list.count == 1)
        #expect(list[0].hasPrefix(##"#/properties/a/typo: unsupported keyword "typo"; supported keywords: type, enum, const,"##))
        #expect(problems(##"{"unevaluatedProperties":false}"##)[0].contains("not implemented: list the allowed properties"))
        #expect(problems(##"{"$defs":{"x~y":{"$anchor":"a"}}}"##)[0].hasPrefix(##"#/$defs/x~0y/$anchor: unsupported keyword "$anchor""##))
    }

    @Test func collectsEveryProblem() {
        #expect(problems(##"{"minLength":-1,"pattern":"(a","items":[{}],"type":"text"}"##) == [
            "#/minLength: minLength must be a non-negative integer",
            ##"#/pattern: unsupported or invalid pattern "(a": unterminated group '(' (at offset 0)"##,
            "#/items: items must be a schema in draft 2020-12 (the array form is now prefixItems)",
            "#/type: type must be one of null, boolean, integer, number, string, array, object, or a non-empty array of them without repeats",
        ])
    }

    @Test func refusesOtherDialects() {
        #expect(problems(##"{"$schema":"http://json-schema.org/draft-07/schema#"}"##)
                == [##"#/$schema: only JSON Schema draft 2020-12 is supported ("$schema": "https://json-schema.org/draft/2020-12/schema")"##])
        #expect(problems(##"{"$schema":"https://json-schema.org/draft/2020-12/schema#"}"##).isEmpty)
    }

    @Test func refusesBadReferences() {
        #expect(problems(##"{"$ref":"other.json#/a"}"##) == [##"#/$ref: only local references are supported ("#" or "#/json/pointer"), not "other.json#/a""##])
        #expect(problems(##"{"$ref":"#/$defs/missing"}"##) == [##"#/$ref: "#/$defs/missing" does not point to a schema in this document"##])
        #expect(problems(##"{"$ref":"#anchor"}"##) == [##"#/$ref: "#anchor" is not a JSON pointer fragment (anchors are not supported)"##])
    }

    @Test func refusesCyclesThatWouldLoopForever() {
        #expect(problems(##"{"$ref":"#"}"##) == ["#: reference cycle that never moves into the instance (it would loop forever): # -> #"])
        let p = problems(##"{"$defs":{"a":{"anyOf":[{"type":"string"},{"$ref":"#/$defs/b"}]},"b":{"allOf":[{"$ref":"#/$defs/a"}]}},"$ref":"#/$defs/a"}"##)
        #expect(p.count == 1)
        #expect(p.first?.contains("#/$defs/a -> #/$defs/a/anyOf/1 -> #/$defs/b -> #/$defs/b/allOf/0 -> #/$defs/a") == true)
    }

    @Test func refusesNonSchemas() {
        #expect(problems("1") == ["#: a schema must be an object or a boolean, not integer"])
        #expect(problems(##"{"properties":{"a":3}}"##) == ["#/properties/a: a schema must be an object or a boolean, not integer"])
        #expect(problems(##"{"allOf":[]}"##) == ["#/allOf: allOf must be a non-empty array of schemas"])
        #expect(problems(##"{"required":["a","a"]}"##) == ["#/required: required must be an array of unique strings"])
        #expect(problems("{") .first?.hasPrefix("#: not JSON: 1:2") == true)
    }
}

@Suite struct SchemaEmbeddedResourceTests {
    @Test func refsInsideEmbeddedResourcesAreRefused() {
        #expect(problems(##"{"$id":"https://x/root","$defs":{"a":{"type":"string"}},"$ref":"#/$defs/a"}"##).isEmpty)
        #expect(problems(##"{"$defs":{"a":{"$id":"https://x/a","properties":{"p":{"$ref":"#/$defs/b"}}},"b":true}}"##)
                == ["#/$defs/a/properties/p/$ref: $ref inside a subschema with its own $id is not supported (it would resolve against that $id); move the $id to the root or drop it"])
        #expect(problems(##"{"$defs":{"a":{"$id":"https://x/a","type":"string"}},"$ref":"#/$defs/a"}"##).isEmpty)
    }
}
