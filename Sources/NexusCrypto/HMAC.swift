// HMAC: HMAC-SHA-256 (RFC 2104) through OpenSSL's EVP_MAC.
import COpenSSL

public enum HMACSHA256 {
    /// HMAC-SHA-256 of `data` under `key`.
    public static func mac(key: [UInt8], _ data: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length = 0
        let bytes = Array(data)
        let ok = key.withUnsafeBytes { k in
            bytes.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer { o in
                    EVP_Q_mac(nil, "HMAC", nil, "SHA256", nil, k.baseAddress, k.count, d.baseAddress, d.count,
                              o.baseAddress, 32, &length)
                }
            }
        }
        precondition(ok != nil && length == 32, "HMAC-SHA-256 failed")
        return out
    }

    /// HMAC-SHA-256 of the UTF-8 bytes of `string`.
    public static func mac(key: [UInt8], _ string: String) -> [UInt8] { mac(key: key, Array(string.utf8)) }
}
