import Foundation // tests only: reading the regression files
import Testing
@testable import NexusHTTP1

/// Replays every input that ever crashed the fuzzer (Tests/NexusHTTP1Tests/Regressions/*.bin).
///
/// Each file is libFuzzer's `crash-<sha1>` (or `timeout-`/`leak-`) renamed to `<kind>-<sha1>.bin`: .gitignore hides
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

    @Test(arguments: inputs)
    func replay(_ name: String) throws {
        let data = try Data(contentsOf: Self.folder.appendingPathComponent(name))
        let bytes = [UInt8](data)
        let whole = SplitAndPipelineTests.run(bytes, cuts: [])
        for k in stride(from: 0, through: bytes.count, by: max(1, bytes.count / 64)) {
            let split = SplitAndPipelineTests.run(bytes, cuts: [k])
            #expect(split.0 == whole.0 && split.1?.status == whole.1?.status, "\(name) split at \(k)")
        }
        // The parser alone, on the raw bytes, must not crash either.
        var head = RequestHead()
        _ = try? bytes.withUnsafeBytes { try HeadParser.parse($0, limits: HTTP1Limits(), into: &head) }
        var d = BodyDecoder(chunkedWith: HTTP1Limits())
        _ = try? bytes.withUnsafeBytes { try d.decode($0) { _ in } }
    }
}
