import NexusAuth
import NexusCrypto
import Testing

@Suite struct QuotaTableTests {
    @Test func periodsAreUTCDaysAndMonths() {
        let t = 1_795_780_800 // 2026-11-27T12:00:00Z
        let p = QuotaTable.periods(t)
        #expect(p.day == t / 86_400)
        #expect(p.month == (2026 - 1970) * 12 + 10)
        #expect(QuotaTable.periods(1_798_761_600).month == (2027 - 1970) * 12) // 2027-01-01
    }

    @Test func dayQuotaStopsAndANewDayStartsOver() {
        let q = QuotaTable(capacity: 4)
        let t = 1_795_780_800
        for _ in 0..<3 { #expect(q.take(1, dayLimit: 3, monthLimit: 10, now: t) == nil) }
        guard case .day(3, let reset)? = q.take(1, dayLimit: 3, monthLimit: 10, now: t) else {
            Issue.record("the fourth request passed"); return
        }
        #expect(reset == 43_200)
        #expect(q.take(2, dayLimit: 3, monthLimit: 10, now: t) == nil) // another consumer
        #expect(q.take(1, dayLimit: 3, monthLimit: 10, now: t + 86_400) == nil)
        #expect(q.used(1, now: t + 86_400) == (1, 4))
    }

    @Test func monthQuotaAndRefund() {
        let q = QuotaTable(capacity: 1)
        let t = 1_795_780_800
        #expect(q.take(0, dayLimit: nil, monthLimit: 1, now: t) == nil)
        #expect(q.take(0, dayLimit: nil, monthLimit: 1, now: t) != nil)
        q.refund(0, day: false, month: true, now: t)
        #expect(q.take(0, dayLimit: nil, monthLimit: 1, now: t) == nil)
        q.seed(0, day: 5, month: 7, now: t)
        #expect(q.used(0, now: t) == (5, 7))
    }
}

@Suite struct CredentialTests {
    let secret = SecureRandom.bytes(32)

    func table(_ keys: [(String, String)], generation: Int) -> CredentialTable {
        CredentialTable(secret: secret, entries: keys.enumerated().map { i, k in
            (HMACSHA256.mac(key: secret, k.0), Principal(consumer: k.1, index: i, scopes: ["a"], plan: nil, expiresAt: nil, keyID: "k\(i)"))
        }, generation: generation)
    }

    @Test func lookupByHMAC() {
        let t = table([("nx_one", "c1"), ("nx_two", "c2")], generation: 1)
        #expect(t.lookup(Array("nx_two".utf8))?.consumer == "c2")
        #expect(t.lookup(Array("nx_three".utf8)) == nil)
        let other = CredentialTable(secret: SecureRandom.bytes(32), entries: [], generation: 2)
        #expect(other.lookup(Array("nx_one".utf8)) == nil)
    }

    @Test func cacheForgetsOnANewGeneration() {
        let cache = KeyCache(capacity: 2)
        let t1 = table([("nx_one", "c1")], generation: 1)
        #expect(cache.resolve(Array("nx_one".utf8), in: t1)?.consumer == "c1")
        let t2 = table([], generation: 2) // revoked
        #expect(cache.resolve(Array("nx_one".utf8), in: t2) == nil)
        for i in 0..<10 { _ = cache.resolve(Array("junk\(i)".utf8), in: t2) }
        #expect(cache.resolve(Array("nx_one".utf8), in: t1)?.consumer == "c1")
    }

    @Test func scopes() {
        let p = Principal(consumer: "c", index: 0, scopes: ["orders:read", "x"], plan: nil, expiresAt: nil, keyID: "k")
        #expect(p.allows(["orders:read"]))
        #expect(p.allows([]))
        #expect(!p.allows(["orders:read", "orders:write"]))
    }
}
