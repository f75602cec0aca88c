import Testing
@testable import NexusSchema

private func match(_ pattern: String, _ s: String) -> Bool {
    do {
        return try Pattern(pattern).matches(s)
    } catch {
        Issue.record("pattern \(pattern) refused: \(error)")
        return false
    }
}

private func refusal(_ pattern: String) -> String? {
    do {
        _ = try Pattern(pattern)
        return nil
    } catch {
        return error.message
    }
}

@Suite struct PatternTests {
    @Test func searchesUnanchoredAndHonoursAnchors() {
        #expect(match("b", "abc"))
        #expect(!match("^b", "abc"))
        #expect(match("^a", "abc"))
        #expect(match("c$", "abc"))
        #expect(!match("b$", "abc"))
        #expect(match("^$", ""))
        #expect(!match("^$", "a"))
        #expect(!match("^abc$", "abc\n"))  // unlike Python, $ does not match before a final newline
    }

    @Test func classesEscapesAndDot() {
        #expect(match("^[a-z0-9_-]+$", "ab-c_9"))
        #expect(!match("^[a-z]+$", "abC"))
        #expect(match("^[^0-9]+$", "abc"))
        #expect(!match("^[^0-9]+$", "a1"))
        #expect(match(#"^\d{3}-\d{4}$"#, "555-1234"))
        #expect(!match(#"^\d+$"#, "١٢"))  // ECMA \d is ASCII only
        #expect(match(#"^\w+\s\W$"#, "ab_1 !"))
        #expect(match(#"^[\d\s]+$"#, "1 2"))
        #expect(match(#"^\.\*\+\?\(\)\[\]\{\}\|\/\\\-$"#, #".*+?()[]{}|/\-"#))
        #expect(match(#"^\x41\u00e9\t$"#, "Aé\t"))
        #expect(match("^.$", "😀"))  // one code point
        #expect(!match("^.$", "\n"))
        #expect(match(#"\bfoo\b"#, "a foo b"))
        #expect(!match(#"\bfoo\b"#, "afoob"))
        #expect(match(#"\Boo"#, "foo"))
    }

    @Test func quantifiersAlternationGroups() {
        #expect(match("^(ab)+$", "ababab"))
        #expect(!match("^(ab)+$", "aba"))
        #expect(match("^a{2,3}$", "aaa"))
        #expect(!match("^a{2,3}$", "aaaa"))
        #expect(!match("^a{2,3}$", "a"))
        #expect(match("^a{2}$", "aa"))
        #expect(match("^a{2,}$", "aaaaa"))
        #expect(match("^(?:cat|dog)s?$", "dogs"))
        #expect(!match("^(?:cat|dog)s?$", "cow"))
        #expect(match("^(?<year>[0-9]{4})-x$", "2024-x"))
        #expect(match("^a*?b+?$", "aab"))
        #expect(match("^(|a)$", ""))
        #expect(match("^(a*)*$", "aaaa"))
    }

    @Test func noCatastrophicBacktracking() {
        let evil = String(repeating: "a", count: 5_000) + "!"
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            #expect(!match("^(a+)+$", evil))
            #expect(!match("^(a|aa)*$", evil))
            #expect(!match("^(a*)*b$", evil))
        }
        #expect(elapsed < .seconds(5))
    }

    @Test func refusesWhatItDoesNotSupport() {
        #expect(refusal(#"(a)\1"#) == "backreferences are not supported")
        #expect(refusal("a(?=b)") == "lookahead (?= (?! is not supported")
        #expect(refusal("a(?!b)") == "lookahead (?= (?! is not supported")
        #expect(refusal("(?<=a)b") == "lookbehind (?<= (?<! is not supported")
        #expect(refusal(#"\p{L}"#) == #"Unicode property escapes \p{...} are not supported"#)
        #expect(refusal(#"\q"#) == #"unknown escape '\q'"#)
        #expect(refusal("a{") != nil)
        #expect(refusal("a}") != nil)
        #expect(refusal("]") != nil)
        #expect(refusal("[]") != nil)
        #expect(refusal("(a") == "unterminated group '('")
        #expect(refusal("a)") == "unmatched ')'")
        #expect(refusal("*a") != nil)
        #expect(refusal("a**") != nil)
        #expect(refusal("a{3,2}") != nil)
        #expect(refusal("a{1001}") != nil)
        #expect(refusal("(a{1000}){1000}") != nil)  // program too large
        #expect(refusal("[z-a]") != nil)
        #expect(refusal("^*") != nil)
    }
}

@Suite struct PatternAnchorTests {
    @Test func anchoredPatternsStopEarlyButStillMatch() throws {
        #expect(try Pattern("^ab").matches("abc"))
        #expect(try !Pattern("^ab").matches("xab"))
        #expect(try Pattern("^a|b").matches("xb"))  // the anchor binds to the first branch only
        #expect(try Pattern("^(?:a|b)c$").matches("bc"))
        #expect(try !Pattern("^[0-9]{3}$").matches("1234"))
    }
}

@Suite struct PatternEnginesAgreeTests {
    @Test func bitSetAndThreadListEnginesAgree() throws {
        let patterns = ["^a", "b$", "^[a-c]+$", "x|y", "^(ab)+$", "^.{2,3}$", "[0-9]", #"^\d+$"#, #"\s"#, "^[^a]*$", "^a?b*c+$",
                        "(?:xy){2}", "^é", ".😀", "^[a-zé]{1,3}$", #"^\d{1,2}-?[a-c]*$"#, "^(a|b|)$", #"\bab\b"#, #"\Bb"#, "^$", "",
                        "^a|b$", "(a*)*c", #"^\w+@\w+\.com$"#, "a{3}|b{2,}", "^[a-z0-9-]{8,36}$"]
        let strings = ["", "a", "ab", "abab", "abc", "xyxy", "12", "1-ab", "é", "a😀", "ccc", "aaab", "a b", "bab", "x@y.com", "3f2a9c1e-77b0",
                       "ab ab", "b", "aaa", "bb", "c"]
        var checked = 0
        for source in patterns {
            let p = try Pattern(source)
            #expect(p.bitVM != nil, "\(source)")
            for s in strings {
                #expect(p.matches(s) == p.matchesWithThreadList(s), "\(source) on \(s)")
                checked += 1
            }
        }
        #expect(checked == patterns.count * strings.count)
        // Large programs take the thread-list engine.
        let large = try Pattern("^[a-z]{100,200}$")
        #expect(large.bitVM == nil)
        #expect(large.matches(String(repeating: "q", count: 150)))
        #expect(!large.matches(String(repeating: "q", count: 99)))
    }
}

@Suite struct PatternRandomTests {
    /// Random pattern text from the syntax alphabet: it compiles or is refused, never crashes; when it compiles, both
    /// engines agree on random strings.
    @Test func randomPatternsNeverCrashAndEnginesAgree() {
        var state: UInt64 = 42
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let syntax = Array(#"ab01^$.*+?()[]{}|\-,dwsbDWSBux:=!<>é"#.unicodeScalars)
        let alphabet = Array("ab01 -_é😀".unicodeScalars)
        var compiled = 0
        for _ in 0..<20_000 {
            var source = ""
            for _ in 0..<(1 + next(10)) { source.unicodeScalars.append(syntax[next(syntax.count)]) }
            guard let p = try? Pattern(source) else { continue }
            compiled += 1
            for _ in 0..<4 {
                var s = ""
                for _ in 0..<next(7) { s.unicodeScalars.append(alphabet[next(alphabet.count)]) }
                #expect(p.matches(s) == p.matchesWithThreadList(s), "\(source) on \(s)")
            }
        }
        #expect(compiled > 1_000)
    }
}

@Suite struct PatternFoundByDifferentialTests {
    @Test func quantifiedGroupsAroundAssertionsAreLegal() throws {
        #expect(try Pattern("(?:^){0,2}a").matches("ba"))
        #expect(try Pattern("($){1,}").matches("x"))
        #expect(try Pattern("(^)+a").matches("ab"))
        #expect(try !Pattern("(^)+a").matches("ba"))
        #expect(throws: PatternError.self) { try Pattern("^+") }
    }

    @Test func notBoundaryMatchesTheEmptyString() throws {
        #expect(try Pattern(#"\B"#).matches(""))  // ECMA-262; Python before 3.14 says no
    }
}
