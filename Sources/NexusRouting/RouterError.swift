/// A rule the route table refuses, with the index of the rule in the array given to `Router.init`.
public struct RouterError: Error, Sendable, CustomStringConvertible {
    public var ruleIndex: Int
    public var message: String

    public init(ruleIndex: Int, message: String) {
        self.ruleIndex = ruleIndex
        self.message = message
    }

    public var description: String { "route \(ruleIndex): \(message)" }
}
