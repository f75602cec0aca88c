import ArgumentParser

/// `nexusctl completion bash|zsh|fish`: prints swift-argument-parser's completion script.
struct CompletionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion", abstract: "Print a shell completion script.",
        discussion: """
            bash: nexusctl completion bash > /etc/bash_completion.d/nexusctl
            zsh:  nexusctl completion zsh > "${fpath[1]}/_nexusctl"
            fish: nexusctl completion fish > ~/.config/fish/completions/nexusctl.fish
            The same scripts come from 'nexusctl --generate-completion-script SHELL'.
            """)

    enum Shell: String, ExpressibleByArgument, CaseIterable {
        case bash, zsh, fish
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: Shell

    func run() {
        guard let s = CompletionShell(rawValue: shell.rawValue) else {
            preconditionFailure("CompletionShell lacks \(shell.rawValue), which swift-argument-parser has always had")
        }
        let script = Nexusctl.completionScript(for: s)
        Console.out(script.hasSuffix("\n") ? script : script + "\n")
    }
}
