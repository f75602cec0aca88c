import Testing
@testable import NexusConfig

/// The errors `ConfigLoader.parse` reports for a document, or [] if it loads.
func configErrors(_ yaml: String, file: String = "test.yaml") -> [ConfigError] {
    do {
        _ = try ConfigLoader.parse(yaml, file: file)
        return []
    } catch {
        return error.errors
    }
}

/// The single error for a document; fails the test (returning nil) unless there is exactly one.
func singleError(_ yaml: String) -> ConfigError? {
    let errors = configErrors(yaml)
    guard errors.count == 1 else {
        Issue.record("expected exactly one error, got \(errors.count):\n\(ConfigErrors(errors))")
        return nil
    }
    return errors[0]
}

/// A valid listener block to prepend to documents that test other sections.
let minimalListener = """
    listeners:
      - address: 127.0.0.1:8080

    """


/// Chosen fields of an optional error joined by spaces, e.g. `summary(e, \.line, \.key) == "3 listeners"`.
func summary(_ error: ConfigError?, _ fields: PartialKeyPath<ConfigError>...) -> String? {
    error.map { error in fields.map { "\(error[keyPath: $0])" }.joined(separator: " ") }
}
