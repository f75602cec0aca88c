/// The version of Nexus (semantic versioning).
public enum NexusVersion {
    public static let string = "0.1.0"
}
