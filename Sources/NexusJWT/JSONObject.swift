// JSONObject: the members of a JSON object.

enum JSONObject {
    /// The members of the JSON object in `bytes`, or `nil` if it is not exactly one valid JSON object.
    static func decode(_ bytes: [UInt8]) -> [String: JSONValue]? {
        guard case .object(let members) = JSONParser.parse(bytes) else { return nil }
        return members
    }
}
