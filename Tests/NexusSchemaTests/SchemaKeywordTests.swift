import Testing
@testable import NexusSchema

@Suite struct SchemaKeywordTests {
    @Test func type() {
        #expect(valid(##"{"type":"integer"}"##, "1.0"))
        #expect(valid(##"{"type":"integer"}"##, "1e2"))
        #expect(violations(##"{"type":"integer"}"##, "1.5") == ["|#/type|must be integer, not number"])
        #expect(valid(##"{"type":"number"}"##, "3"))
        #expect(valid(##"{"type":["string","null"]}"##, "null"))
        #expect(violations(##"{"type":["string","null"]}"##, "true") == ["|#/type|must be one of null, string, not boolean"])
        #expect(!valid(##"{"type":"boolean"}"##, "0"))
        #expect(!valid(##"{"type":"object"}"##, "[]"))
    }

    @Test func enumAndConst() {
        #expect(valid(##"{"enum":[1,"a",null,{"x":[1]}]}"##, ##"{"x":[1.0]}"##))
        #expect(violations(##"{"enum":[1,"a"]}"##, "true") == [##"|#/enum|must be one of 1, "a""##])
        #expect(!valid(##"{"enum":[1]}"##, "true"))  // true is not 1
        #expect(valid(##"{"const":{"a":1,"b":2}}"##, ##"{"b":2,"a":1}"##))  // member order does not matter
        #expect(violations(##"{"const":0}"##, "false") == ["|#/const|must be 0"])
    }

    @Test func numbers() {
        #expect(violations(##"{"properties":{"n":{"minimum":3}}}"##, ##"{"n":2}"##) == ["/n|#/properties/n/minimum|must be >= 3, not 2"])
        #expect(valid(##"{"minimum":3}"##, "3"))
        #expect(!valid(##"{"exclusiveMinimum":3}"##, "3"))
        #expect(valid(##"{"maximum":3}"##, "3.0"))
        #expect(!valid(##"{"exclusiveMaximum":3}"##, "3.0"))
        #expect(valid(##"{"maximum":12345678901234567890}"##, "12345678901234567890"))
        #expect(!valid(##"{"maximum":12345678901234567890}"##, "12345678901234567891"))  // equal as Doubles
        #expect(valid(#"{"minimum":1}"#, #""strings are not numbers""#))
    }

    @Test func multipleOfIsExact() {
        #expect(valid(##"{"multipleOf":0.1}"##, "0.3"))  // 0.3 / 0.1 is 2.9999999999999996 in Doubles
        #expect(valid(##"{"multipleOf":0.01}"##, "19.99"))
        #expect(violations(##"{"multipleOf":0.01}"##, "19.999") == ["|#/multipleOf|must be a multiple of 0.01, not 19.999"])
        #expect(valid(##"{"multipleOf":3}"##, "9e15"))
        #expect(valid(##"{"multipleOf":7}"##, "700000000000000000000000000000000007"))
        #expect(!valid(##"{"multipleOf":7}"##, "700000000000000000000000000000000008"))
        #expect(valid(##"{"multipleOf":1.5}"##, "4.5"))
        #expect(!valid(##"{"multipleOf":2}"##, "3"))
        #expect(problems(##"{"multipleOf":0}"##) == ["#/multipleOf: multipleOf must be greater than 0"])
    }

    @Test func strings() {
        #expect(valid(##"{"maxLength":1}"##, ##""😀""##))  // one code point, two UTF-16 units, four bytes
        #expect(valid(##"{"minLength":2,"maxLength":2}"##, ##""é😀""##))
        #expect(violations(##"{"minLength":3}"##, ##""ab""##) == ["|#/minLength|must be at least 3 characters long, not 2"])
        #expect(violations(##"{"maxLength":1}"##, ##""ab""##) == ["|#/maxLength|must be at most 1 character long, not 2"])
        #expect(violations(##"{"pattern":"^[a-z]+$"}"##, ##""aB""##) == [##"|#/pattern|must match the pattern "^[a-z]+$""##])
        #expect(valid(##"{"pattern":"b"}"##, ##""abc""##))
        #expect(valid(##"{"format":"email"}"##, ##""not an email""##))  // format is an annotation
    }

    @Test func arrays() {
        #expect(violations(##"{"minItems":2}"##, "[1]") == ["|#/minItems|must have at least 2 items, not 1"])
        #expect(!valid(##"{"maxItems":1}"##, "[1,2]"))
        #expect(violations(##"{"uniqueItems":true}"##, ##"[1,{"a":1},1.0]"##) == ["|#/uniqueItems|items must be unique: items 0 and 2 are equal"])
        #expect(valid(##"{"uniqueItems":true}"##, "[1,true,[1],[true]]"))
        #expect(violations(##"{"prefixItems":[{"type":"string"}],"items":{"type":"integer"}}"##, ##"["a","b",2,"c"]"##)
                == ["/1|#/items/type|must be integer, not string", "/3|#/items/type|must be integer, not string"])
        #expect(valid(##"{"prefixItems":[{"type":"string"}],"items":false}"##, ##"["a"]"##))
        #expect(violations(##"{"prefixItems":[{"type":"string"}],"items":false}"##, ##"["a",1]"##)
                == ["/1|#/items|no value is allowed here (the schema is false)"])
        #expect(valid(##"{"contains":{"type":"null"}}"##, "[1,null]"))
        #expect(violations(##"{"contains":{"type":"null"}}"##, "[1]") == ["|#/contains|must contain at least 1 item matching contains, not 0"])
        #expect(!valid(##"{"contains":{"type":"null"},"maxContains":1}"##, "[null,null]"))
        #expect(valid(##"{"contains":{"type":"null"},"minContains":0}"##, "[]"))
    }

    @Test func objects() {
        let s = ##"{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"],"additionalProperties":false}"##
        #expect(valid(s, ##"{"a":1,"b":2.5}"##))
        #expect(violations(s, ##"{"a":"x","c":1}"##) == [
            "/a|#/properties/a/type|must be number, not string",
            ##"/c|#/additionalProperties|property "c" is not allowed (additionalProperties is false)"##,
            ##"|#/required|required property "b" is missing"##,
        ])
        #expect(violations(##"{"patternProperties":{"^x-":{"type":"string"}},"additionalProperties":{"type":"integer"}}"##,
                           ##"{"x-a":"s","x-b":1,"n":2,"m":"no"}"##)
                == ["/x-b|#/patternProperties/^x-/type|must be string, not integer", "/m|#/additionalProperties/type|must be integer, not string"])
        #expect(violations(##"{"properties":{"a/b":{"properties":{"m~n":{"type":"string"}}}}}"##, ##"{"a/b":{"m~n":1}}"##)
                == ["/a~1b/m~0n|#/properties/a~1b/properties/m~0n/type|must be string, not integer"])
        #expect(violations(##"{"minProperties":1}"##, "{}") == ["|#/minProperties|must have at least 1 property, not 0"])
        #expect(violations(##"{"enum":[]}"##, "1") == ["|#/enum|no value is allowed (enum is empty)"])
        #expect(!valid(##"{"maxProperties":1}"##, ##"{"a":1,"b":2}"##))
        #expect(violations(##"{"propertyNames":{"maxLength":2}}"##, ##"{"abc":1}"##) == [##"|#/propertyNames|property name "abc" does not match propertyNames"##])
        #expect(violations(##"{"dependentRequired":{"card":["cvv"]}}"##, ##"{"card":1}"##)
                == [##"|#/dependentRequired|property "cvv" is required when "card" is present"##])
        #expect(valid(##"{"dependentSchemas":{"a":{"required":["b"]}}}"##, ##"{"b":1}"##))
        #expect(!valid(##"{"dependentSchemas":{"a":{"required":["b"]}}}"##, ##"{"a":1}"##))
    }

    @Test func manyPropertiesUseTheIndex() {
        let props = (0..<20).map { "\"p\($0)\":{\"type\":\"integer\"}" }.joined(separator: ",")
        let s = "{\"properties\":{\(props)},\"additionalProperties\":false}"
        #expect(valid(s, ##"{"p0":1,"p19":2}"##))
        #expect(violations(s, ##"{"p7":"x"}"##) == ["/p7|#/properties/p7/type|must be integer, not string"])
        #expect(!valid(s, ##"{"p20":1}"##))
    }

    @Test func combinators() {
        #expect(violations(##"{"allOf":[{"minimum":2},{"maximum":1}]}"##, "3") == ["|#/allOf/1/maximum|must be <= 1, not 3"])
        #expect(valid(##"{"anyOf":[{"type":"string"},{"minimum":2}]}"##, "3"))
        #expect(violations(##"{"anyOf":[{"type":"string"},{"minimum":2}]}"##, "1") == ["|#/anyOf|must match at least one of the 2 schemas in anyOf"])
        #expect(valid(##"{"oneOf":[{"type":"integer"},{"type":"string"}]}"##, "1"))
        #expect(violations(##"{"oneOf":[{"type":"integer"},{"minimum":0}]}"##, "1") == ["|#/oneOf|must match exactly one of the 2 schemas in oneOf (matches 0, 1)"])
        #expect(violations(##"{"not":{"type":"null"}}"##, "null") == ["|#/not|must not match the schema in not"])
        let conditional = ##"{"if":{"properties":{"kind":{"const":"a"}}},"then":{"required":["x"]},"else":{"required":["y"]}}"##
        #expect(violations(conditional, ##"{"kind":"a"}"##) == [##"|#/then/required|required property "x" is missing"##])
        #expect(violations(conditional, ##"{"kind":"b"}"##) == [##"|#/else/required|required property "y" is missing"##])
        #expect(valid(conditional, ##"{"kind":"a","x":1}"##))
    }

    @Test func booleanSchemas() {
        #expect(valid("true", "[1]"))
        #expect(violations("false", "1") == ["|#|no value is allowed here (the schema is false)"])
        #expect(!valid(##"{"properties":{"a":false}}"##, ##"{"a":1}"##))
    }

    @Test func references() {
        let tree = ##"{"$defs":{"node":{"type":"object","properties":{"value":{"type":"integer"},"children":{"type":"array","items":{"$ref":"#/$defs/node"}}},"required":["value"]}},"$ref":"#/$defs/node"}"##
        #expect(valid(tree, ##"{"value":1,"children":[{"value":2,"children":[]}]}"##))
        #expect(violations(tree, ##"{"value":1,"children":[{"value":"x"}]}"##) == ["/children/0/value|#/$defs/node/properties/value/type|must be integer, not string"])
        #expect(valid(##"{"definitions":{"a":{"type":"string"}},"properties":{"x":{"$ref":"#/definitions/a"}}}"##, ##"{"x":"s"}"##))
        #expect(!valid(##"{"properties":{"x":{"type":"string"},"y":{"$ref":"#/properties/x"}}}"##, ##"{"y":1}"##))
        #expect(valid(##"{"$defs":{"a b":{"type":"null"}},"$ref":"#/$defs/a%20b"}"##, "null"))
        // $ref has siblings in 2020-12.
        #expect(!valid(##"{"$defs":{"n":{"type":"number"}},"$ref":"#/$defs/n","minimum":5}"##, "1"))
        // A root reference that recurses through properties terminates.
        #expect(valid(##"{"properties":{"next":{"$ref":"#"}},"type":"object"}"##, ##"{"next":{"next":{}}}"##))
    }

    @Test func annotationsAreAccepted() {
        #expect(valid(##"{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://x/s","title":"t","description":"d","default":1,"examples":[1],"$comment":"c","readOnly":true,"writeOnly":false,"deprecated":false,"format":"uuid"}"##, "1"))
    }
}

@Suite struct SchemaLimitTests {
    @Test func uniqueItemsOnLongArraysUsesHashes() throws {
        let s = try Schema(parsing: #"{"uniqueItems":true}"#)
        let many = (0..<50_000).map { "\($0)" }.joined(separator: ",")
        #expect(s.isValid(try JSONValue.parse("[\(many)]")))
        let withDuplicate = try JSONValue.parse("[\(many),{\"a\":1,\"b\":[2]},{\"b\":[2.0],\"a\":1e0},7.0]")
        #expect(s.validate(withDuplicate).map(\.message) == ["items must be unique: items 50000 and 50001 are equal"])
        #expect(!s.isValid(try JSONValue.parse("[\(many),49999.0]")))
        #expect(s.isValid(try JSONValue.parse("[\(many),true,null,\"1\",[1],{\"1\":1}]")))
    }

    @Test func violationsAreCapped() throws {
        let s = try Schema(parsing: #"{"items":{"type":"string"}}"#)
        let instance = try JSONValue.parse("[" + (0..<1000).map(String.init).joined(separator: ",") + "]")
        #expect(s.validate(instance).count == 100)
        #expect(s.validate(instance, maxViolations: 3).map(\.instanceLocation) == ["/0", "/1", "/2"])
    }

    @Test func violationsAsJSON() throws {
        let s = try Schema(parsing: #"{"required":["a"]}"#)
        #expect(s.validate(.object(JSONObject())).map(\.json.serialized)
                == [##"{"instanceLocation":"","keywordLocation":"#/required","keyword":"required","message":"required property \"a\" is missing"}"##])
    }
}
