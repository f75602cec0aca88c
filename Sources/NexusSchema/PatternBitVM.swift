/// The Pike VM for programs of at most 128 instructions, with the set of live threads as one 128-bit word and the
/// closures (what each instruction reaches without consuming input) computed at compile time for each of the 8
/// contexts an assertion can see: at the start or not, at the end or not, at a word boundary or not. Matching then
/// allocates nothing and costs a few word operations per code point and live thread.
struct PatternBitVM: Sendable {
    static let maxProgram = 127  // instruction 127 would be the "past the end" bit

    let program: [PatternInstruction]
    let classes: [PatternClass]
    /// closures[context * program.count + pc]: the consuming instructions (and `match`) reachable from pc.
    let closures: [UInt128]
    let matchBit: UInt128
    let anchored: Bool

    init?(program: [PatternInstruction], classes: [PatternClass]) {
        guard program.count <= PatternBitVM.maxProgram else { return nil }
        self.program = program
        self.classes = classes
        var closures: [UInt128] = []
        closures.reserveCapacity(8 * program.count)
        var matchBit: UInt128 = 0
        for context in 0..<8 {
            for pc in program.indices {
                closures.append(PatternBitVM.closure(of: pc, context: context, program: program))
            }
        }
        for (pc, instruction) in program.enumerated() {
            if case .match = instruction { matchBit |= 1 << UInt128(pc) }
        }
        self.closures = closures
        self.matchBit = matchBit
        if case .lineStart = program[0] { anchored = true } else { anchored = false }
    }

    /// Context bits: 1 at the start, 2 at the end, 4 at a word boundary.
    static func closure(of start: Int, context: Int, program: [PatternInstruction]) -> UInt128 {
        var seen: UInt128 = 0
        var result: UInt128 = 0
        var stack = [start]
        while let pc = stack.popLast() {
            let bit: UInt128 = 1 << UInt128(pc)
            if seen & bit != 0 { continue }
            seen |= bit
            switch program[pc] {
            case .jump(let to): stack.append(to)
            case .split(let a, let b): stack.append(a); stack.append(b)
            case .lineStart: if context & 1 != 0 { stack.append(pc + 1) }
            case .lineEnd: if context & 2 != 0 { stack.append(pc + 1) }
            case .wordBoundary(let wanted): if (context & 4 != 0) == wanted { stack.append(pc + 1) }
            case .scalar, .any, .set, .match: result |= bit
            }
        }
        return result
    }

    func matches(_ string: String) -> Bool {
        let n = program.count
        var iterator = string.unicodeScalars.makeIterator()
        var c = iterator.next()
        func context(start: Bool, previous: Unicode.Scalar?, following: Unicode.Scalar?) -> Int {
            let boundary = (previous.map(PatternClass.isWord) ?? false) != (following.map(PatternClass.isWord) ?? false)
            return (start ? 1 : 0) | (following == nil ? 2 : 0) | (boundary ? 4 : 0)
        }
        var current = closures[context(start: true, previous: nil, following: c) * n]
        if current & matchBit != 0 { return true }
        while let ch = c {
            let following = iterator.next()
            let base = context(start: false, previous: ch, following: following) * n
            var next: UInt128 = 0
            var threads = current
            while threads != 0 {
                let pc = threads.trailingZeroBitCount
                threads &= threads - 1
                let advance: Bool
                switch program[pc] {
                case .scalar(let s): advance = s == ch
                case .any: advance = !PatternClass.isLineTerminator(ch)
                case .set(let k): advance = classes[k].contains(ch)
                default: advance = false
                }
                if advance { next |= closures[base + pc + 1] }
            }
            if !anchored { next |= closures[base] }
            if next & matchBit != 0 { return true }
            if next == 0 && anchored { return false }
            current = next
            c = following
        }
        return false
    }
}
