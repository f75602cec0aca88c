import Glibc
import NexusConfig

/// `auth.keys_file`: keys issued elsewhere, one `KEY CONSUMER` per line (`#` starts a comment), for consumers of
/// the configuration. Read at start and at each reload; the keys are kept only as HMACs.
enum KeysFile {
    struct Entry {
        var key: String
        var consumer: String
        var line: Int
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func read(_ path: String, consumers: [ConsumerConfig]) -> Result<[Entry], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(description: "\(path): cannot read the keys file: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > 16 << 20 { return .failure(Failure(description: "\(path): the keys file is larger than 16 MiB")) }
        }
        var entries: [Entry] = []
        let names = Set(consumers.map(\.name))
        for (i, raw) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if words.isEmpty { continue }
            guard words.count == 2 else {
                return .failure(Failure(description: "\(path):\(i + 1): expected 'KEY CONSUMER', found \(words.count) words"))
            }
            let key = String(words[0]), consumer = String(words[1])
            // Keys issued elsewhere are taken as they are (their strength is their issuer's business; a short one
            // is still stored only as an HMAC).
            guard (1...512).contains(key.utf8.count), key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                return .failure(Failure(description: "\(path):\(i + 1): a key is 1 to 512 printable ASCII characters"))
            }
            guard names.contains(consumer) else {
                return .failure(Failure(description: "\(path):\(i + 1): unknown consumer '\(consumer)': define it under 'consumers'"))
            }
            entries.append(Entry(key: key, consumer: consumer, line: i + 1))
        }
        return .success(entries)
    }
}
