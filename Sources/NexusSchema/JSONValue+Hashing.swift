extension JSONValue {
    /// A hash consistent with `==` (JSON Schema equality): numbers hash by their Double (equal numbers have equal
    /// Doubles; unequal ones may collide, which `==` then settles), objects hash regardless of member order.
    var equalityHash: Int {
        var hasher = Hasher()
        combine(into: &hasher)
        return hasher.finalize()
    }

    private func combine(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let b): hasher.combine(1); hasher.combine(b)
        case .number(let n): hasher.combine(2); hasher.combine(n.double == 0 ? 0 : n.double)
        case .string(let s): hasher.combine(3); hasher.combine(s)
        case .array(let elements):
            hasher.combine(4)
            hasher.combine(elements.count)
            for element in elements { element.combine(into: &hasher) }
        case .object(let object):
            hasher.combine(5)
            // Order-independent: a sum of the members' own hashes.
            var sum = 0
            for member in object.members {
                var memberHasher = Hasher()
                memberHasher.combine(member.key)
                member.value.combine(into: &memberHasher)
                sum &+= memberHasher.finalize()
            }
            hasher.combine(sum)
        }
    }
}
