import Foundation // tests only: reading the regression files
import Testing
@testable import NexusHTTP1

/// Replays every input that ever crashed the fuzzer (Tests/NexusHTTP1Tests/Regressions/*.bin).
///
/// Each file is libFuzzer's `crash-<sha1>` (or `timeout-`/`leak-`) renamed to `fuzz-<sha1>.bin`: .gitignore hides
/// the original names. The folder is kept in git by an empty `.gitkeep` (SwiftPM ignores hidden files).
@Suite struct RegressionTests {
    static var folder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")
    }

    static var inputs: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".bin") }.sorted()
    }

    @Test func folderIsThere() {
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: Self.folder.path, isDirectory: &isDirectory) && isDirectory.boolValue)
    }

    /// The limits the fuzzer picks from the first byte of an input (see Fuzz/Sources/HTTP1Fuzz/FuzzDriver.swift).
    static func limits(_ selector: UInt8) -> HTTP1Limits {
        selector & 1 == 0
            ? HTTP1Limits()
            : HTTP1Limits(maxRequestLineBytes: 40, maxHeaderBytes: 160, maxHeaderCount: 4, maxBodyBytes: 64,
                          maxTrailerBytes: 40, maxChunkExtensionBytes: 12)
    }

    @Test(arguments: inputs)
    func replay(_ name: String) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let file = [UInt8](data)
        let selector = file.first ?? 0
        let bytes = Array(file.dropFirst())
        let limits = Self.limits(selector)
        let whole = SplitAndPipelineTests.run(bytes, cuts: [], limits: limits)
        for k in 0...bytes.count {
            let split = SplitAndPipelineTests.run(bytes, cuts: [k], limits: limits)
            #expect(split.0 == whole.0 && split.1 == whole.1, "\(name) split at \(k)")
        }
        let pieces = SplitAndPipelineTests.run(bytes, cuts: Array(0...bytes.count), limits: limits)
        #expect(pieces.0 == whole.0 && pieces.1 == whole.1)
        // The parser and the decoders alone, on the raw bytes.
        var head = RequestHead()
        _ = try? bytes.withUnsafeBytes { try HeadParser.parse($0, limits: limits, into: &head) }
        var d = BodyDecoder(chunkedWith: limits)
        var delivered = 0
        if let used = try? bytes.withUnsafeBytes({ try d.decode($0) { delivered += $0.count } }) {
            #expect(used <= bytes.count && delivered <= used)
        }
        #expect(delivered <= bytes.count && delivered <= limits.maxBodyBytes)
    }
}
