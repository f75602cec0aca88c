import NexusRouting
import Testing

@Suite("Rules refused")
struct RouterErrorTests {
    @Test("Invalid templates are refused with the rule's index", arguments: [
        "{", "/a/{", "/a/}", "/a/{}", "/a/{...}", "/a/{a}{b}", "/a/x{b}", "/a/{b}x", "/a/{{b}}", "/a/{id}/{id}",
        "/a/{r...}/b", "a/{b}", "", "/a/{a-b}", "/a/{a b}",
    ])
    func invalidTemplate(_ template: String) {
        let error = refusal([rule("ok", .template("/ok/{x}")), rule("bad", .template(template))])
        #expect(error?.ruleIndex == 1, "\(template)")
        #expect(error?.message.isEmpty == false)
    }

    @Test("The messages say what is wrong")
    func messages() {
        #expect(refusal([rule("x", .template("/a/{"))])?.message.contains("unbalanced") == true)
        #expect(refusal([rule("x", .template("/a/{}"))])?.message.contains("empty parameter name") == true)
        #expect(refusal([rule("x", .template("/a/{a}{b}"))])?.message.contains("one whole parameter") == true)
        #expect(refusal([rule("x", .template("/{a}/{a}"))])?.message.contains("appears twice") == true)
        let error = refusal([rule("x", .template("/{a}/{a}"))])
        #expect(error?.description.hasPrefix("route 0: ") == true)
    }

    @Test("A second rule with the same host, path and method is refused")
    func duplicates() {
        #expect(refusal([rule("a", .exact("/x"), ["GET"]), rule("b", .exact("/x"), ["POST", "GET"])])?.ruleIndex == 1)
        #expect(refusal([rule("a", .exact("/x")), rule("b", .prefix("/y")), rule("c", .exact("/x"))])?.ruleIndex == 2)
        #expect(refusal([rule("a", .exact("/x")), rule("b", .exact("/x"), ["GET"])])?.ruleIndex == 1)
        #expect(refusal([rule("a", .exact("/x"), ["GET", "GET"])])?.ruleIndex == 0)
        #expect(refusal([
            rule("a", host: .exact("api.example.com"), .exact("/x")),
            rule("b", host: .exact("API.example.com."), .exact("/x")),
        ])?.ruleIndex == 1)
        #expect(refusal([rule("a", .template("/u/{id}"), ["GET"]), rule("b", .template("/u/{uid}"), ["GET"])])?
            .ruleIndex == 1)
        #expect(refusal([rule("a", .prefix("/p/")), rule("b", .prefix("/p/"))])?.ruleIndex == 1)
    }

    @Test("Rules that differ in host, pattern kind or method are accepted")
    func notDuplicates() {
        #expect(refusal([
            rule("get", .exact("/x"), ["GET"]),
            rule("others", .exact("/x")),
            rule("prefix", .prefix("/x")),
            rule("template", .template("/x")),
            rule("host", host: .exact("a.example.com"), .exact("/x")),
            rule("wild", host: .wildcard(suffix: ".example.com"), .exact("/x")),
            rule("wild2", host: .wildcard(suffix: ".a.example.com"), .exact("/x")),
            rule("rest", .template("/{a...}")),
            rule("param", .template("/{a}")),
        ]) == nil)
    }

    @Test("Malformed hosts and method lists are refused")
    func badHostsAndMethods() {
        #expect(refusal([rule("a", host: .exact("a.com:80"), .exact("/"))])?.ruleIndex == 0)
        #expect(refusal([rule("a", host: .exact(""), .exact("/"))])?.ruleIndex == 0)
        #expect(refusal([rule("a", host: .exact("*.a.com"), .exact("/"))])?.ruleIndex == 0)
        #expect(refusal([rule("a", host: .wildcard(suffix: "example.com"), .exact("/"))])?.ruleIndex == 0)
        #expect(refusal([rule("a", host: .wildcard(suffix: "."), .exact("/"))])?.ruleIndex == 0)
        #expect(refusal([rule("a", .exact("/"), [])])?.ruleIndex == 0)
        #expect(refusal([rule("a", .exact("/"), ["G T"])])?.ruleIndex == 0)
        #expect(refusal([rule("a", .exact(""))])?.ruleIndex == 0)
        #expect(refusal([rule("a", .prefix(""))])?.ruleIndex == 0)
    }
}
