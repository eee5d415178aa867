import Foundation
import PackagePlugin

/// Compiles a target's data files into it: every file of the target's folder that is not Swift
/// (the event catalog, the OpenAPI document, the portal's page) becomes an entry of a generated
/// `EmbeddedFiles.files`, keyed by its path in the target. So `ringback` is one file that runs
/// wherever it is copied, with no resource bundle beside it.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let root = module.directoryURL
        var files: [URL] = []
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                    options: [.skipsHiddenFiles])
        while let url = walker?.nextObject() as? URL {
            let isFile = (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) ?? false
            let isBackup = url.lastPathComponent.hasSuffix("~") || url.pathExtension == "orig"
            if isFile, url.pathExtension != "swift", !isBackup { files.append(url) }
        }
        files.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("EmbeddedFiles.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) files into \(target.name)",
            executable: try context.tool(named: "embed-files").url,
            arguments: [output.path, root.path] + files.map(\.path),
            inputFiles: files,
            outputFiles: [output])]
    }
}
