// JSONObject: decoding a JSON object with FoundationEssentials' JSONDecoder.
import FoundationEssentials

enum JSONObject {
    /// The members of the JSON object in `bytes`, or `nil` if it is not a JSON object.
    static func decode(_ bytes: [UInt8]) -> [String: JSONValue]? {
        try? JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
    }
}
