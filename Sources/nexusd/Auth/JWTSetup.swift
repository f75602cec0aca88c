import Glibc
import NexusConfig
import NexusJWT

/// Builds the JWT verifier of `auth.jwt`: its keys read from their files (JWK Sets, PEM public keys or
/// certificates, HMAC secrets), its claims policy.
enum JWTSetup {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The keys read from files, the claims policy, and the JWK Set URLs to fetch.
    struct Setup: Sendable {
        var keys: [VerificationKey]
        var policy: ClaimsPolicy
        var urls: [(url: String, refresh: Duration, caFile: String?)]
    }

    static func setup(_ jwt: JWTConfig, configFile: String) -> Result<Setup, Failure> {
        var keys: [VerificationKey] = []
        var urls: [(url: String, refresh: Duration, caFile: String?)] = []
        for source in jwt.keys {
            switch source {
            case .jwksURL(let url, let refresh, let ca):
                urls.append((url, refresh, ca.map { AdminSetup.resolve($0, relativeTo: configFile) }))
            case .jwksFile(let file):
                let path = AdminSetup.resolve(file, relativeTo: configFile)
                guard let bytes = read(path) else { return .failure(Failure(description: "\(path): cannot read the JWK Set: \(String(cString: strerror(errno)))")) }
                do throws(KeyError) { keys += try KeySet(jwks: bytes).keys } catch {
                    return .failure(Failure(description: "\(path): not a usable JWK Set: \(error)"))
                }
            case .pemFile(let file, let kid, let alg):
                let path = AdminSetup.resolve(file, relativeTo: configFile)
                guard let bytes = read(path) else { return .failure(Failure(description: "\(path): cannot read the PEM key: \(String(cString: strerror(errno)))")) }
                do throws(KeyError) { keys.append(try VerificationKey(pem: bytes, kid: kid, algorithm: alg.flatMap(JWSAlgorithm.init(rawValue:)))) } catch {
                    return .failure(Failure(description: "\(path): \(error)"))
                }
            case .hmacSecretFile(let file, let kid, let alg):
                let path = AdminSetup.resolve(file, relativeTo: configFile)
                var st = stat()
                if stat(path, &st) == 0 && st.st_mode & 0o077 != 0 {
                    return .failure(Failure(description: "\(path): the HMAC secret can be read by others; chmod 600 it"))
                }
                guard var bytes = read(path) else { return .failure(Failure(description: "\(path): cannot read the HMAC secret: \(String(cString: strerror(errno)))")) }
                while bytes.last == 0x0A || bytes.last == 0x0D { bytes.removeLast() }
                do throws(KeyError) { keys.append(try VerificationKey(hmacSecret: bytes, kid: kid, algorithm: alg.flatMap(JWSAlgorithm.init(rawValue:)))) } catch {
                    return .failure(Failure(description: "\(path): \(error)"))
                }
            }
        }
        let algorithms = jwt.algorithms.isEmpty ? Set(JWSAlgorithm.allCases) : Set(jwt.algorithms.compactMap(JWSAlgorithm.init(rawValue:)))
        let policy = ClaimsPolicy(issuers: jwt.issuers, audiences: jwt.audiences, leeway: Int(jwt.leeway.components.seconds),
                                  algorithms: algorithms, consumerClaim: jwt.consumerClaim, scopeClaims: jwt.scopeClaims)
        return .success(Setup(keys: keys, policy: policy, urls: urls))
    }

    private static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < 4 << 20 {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += chunk[0..<n]
        }
        return out
    }
}
