/// Turns a pattern's tree into Pike VM instructions.
struct PatternCompiler {
    var program: [PatternInstruction] = []
    var classes: [PatternClass] = []

    mutating func emit(_ node: PatternNode) throws(PatternError) {
        guard program.count <= Pattern.maxProgramSize else {
            throw PatternError(message: "the pattern compiles to more than \(Pattern.maxProgramSize) instructions", offset: 0)
        }
        switch node {
        case .empty: break
        case .scalar(let c): program.append(.scalar(c))
        case .any: program.append(.any)
        case .set(let set):
            classes.append(set)
            program.append(.set(classes.count - 1))
        case .lineStart: program.append(.lineStart)
        case .lineEnd: program.append(.lineEnd)
        case .wordBoundary(let b): program.append(.wordBoundary(b))
        case .sequence(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: branch; jump end; next: split ...
            var jumps: [Int] = []
            for (k, branch) in branches.enumerated() {
                if k < branches.count - 1 {
                    let split = program.count
                    program.append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(program.count)
                    program.append(.jump(0))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(branch)
                }
            }
            for j in jumps { program[j] = .jump(program.count) }
        case .repeat_(let inner, let min, let max):
            for _ in 0..<min { try emit(inner) }
            if let max {
                // Each optional copy: split body, end.
                var splits: [Int] = []
                for _ in min..<max {
                    splits.append(program.count)
                    program.append(.split(0, 0))
                    try emit(inner)
                }
                for s in splits { program[s] = .split(s + 1, program.count) }
            } else {
                let loop = program.count
                program.append(.split(0, 0))
                try emit(inner)
                program.append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
    }
}

/// Breadth-first simulation: every live thread advances one code point at a time; a program counter is added at
/// most once per position, so the work per code point is bounded by the program size.
struct PikeVM {
    let program: [PatternInstruction]
    let classes: [PatternClass]
    var mark: [Int]
    var generation = 0
    var stack: [Int] = []
    let anchored: Bool

    init(program: [PatternInstruction], classes: [PatternClass]) {
        self.program = program
        self.classes = classes
        if case .lineStart = program[0] { anchored = true } else { anchored = false }
        mark = Array(repeating: -1, count: program.count)
    }

    /// Adds `pc` and everything reachable from it without consuming input; true if that reaches `match`.
    mutating func add(_ pc: Int, to list: inout [Int], atStart: Bool, atEnd: Bool, previous: Unicode.Scalar?, following: Unicode.Scalar?) -> Bool {
        stack.append(pc)
        while let pc = stack.popLast() {
            if mark[pc] == generation { continue }
            mark[pc] = generation
            switch program[pc] {
            case .match: stack.removeAll(keepingCapacity: true); return true
            case .jump(let to): stack.append(to)
            case .split(let a, let b): stack.append(b); stack.append(a)
            case .lineStart: if atStart { stack.append(pc + 1) }
            case .lineEnd: if atEnd { stack.append(pc + 1) }
            case .wordBoundary(let wanted):
                let before = previous.map(PatternClass.isWord) ?? false
                let after = following.map(PatternClass.isWord) ?? false
                if (before != after) == wanted { stack.append(pc + 1) }
            case .scalar, .any, .set: list.append(pc)
            }
        }
        return false
    }

    mutating func run(_ string: String) -> Bool {
        var iterator = string.unicodeScalars.makeIterator()
        var c = iterator.next()
        var current: [Int] = []
        var next: [Int] = []
        generation += 1
        if add(0, to: &current, atStart: true, atEnd: c == nil, previous: nil, following: c) { return true }
        while let ch = c {
            let following = iterator.next()
            generation += 1
            next.removeAll(keepingCapacity: true)
            for pc in current {
                let advance: Bool
                switch program[pc] {
                case .scalar(let s): advance = s == ch
                case .any: advance = !PatternClass.isLineTerminator(ch)
                case .set(let k): advance = classes[k].contains(ch)
                default: advance = false
                }
                if advance, add(pc + 1, to: &next, atStart: false, atEnd: following == nil, previous: ch, following: following) {
                    return true
                }
            }
            // Unanchored search: a new thread starts at every position (not when the pattern starts with ^, which
            // only matches at 0; then no live thread means no match).
            if anchored {
                if next.isEmpty { return false }
            } else if add(0, to: &next, atStart: false, atEnd: following == nil, previous: ch, following: following) {
                return true
            }
            swap(&current, &next)
            c = following
        }
        return false
    }
}
