import Foundation
import Synchronization
import RingbackTestSupport
import Testing

/// The real `ringback` binary, run as a child process.
final class ChildProcess: @unchecked Sendable {
    /// The binary beside the test bundle (`swift build` puts both in one folder), or `RINGBACK_BINARY`.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["RINGBACK_BINARY"] { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ringback")
    }

    /// The running child.
    let process: SpawnedProcess
    private let stdout: Pipe
    private let stderr: Pipe
    /// What the child wrote so far: read as it comes, so that a chatty child never blocks on a full pipe.
    private let written: Written

    private final class Written: Sendable {
        let data = Mutex<(stdout: Data, stderr: Data)>((Data(), Data()))
        func withLock<T>(_ body: (inout (stdout: Data, stderr: Data)) -> T) -> T { data.withLock { body(&$0) } }
    }
    private let exited: (stream: AsyncStream<Int32>, continuation: AsyncStream<Int32>.Continuation)

    /// Starts `ringback arguments...` in `directory` with extra environment variables; through
    /// `launcher` (a command that runs the binary it is given, by its full path) when there is one;
    /// `binary` is the ringback to run (the one built beside the tests unless given).
    init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil, launcher: [String] = [],
         binary: URL = ChildProcess.binary) throws {
        try #require(FileManager.default.isExecutableFile(atPath: binary.path), "no ringback binary at \(binary.path)")
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RINGBACK_") }
        env.merge(environment) { $1 }
        let (stdout, stderr, written) = (Pipe(), Pipe(), Written())
        stdout.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            written.withLock { $0.stdout.append(data) }
        }
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            written.withLock { $0.stderr.append(data) }
        }
        let exited = AsyncStream<Int32>.makeStream()
        let continuation = exited.continuation
        let command = launcher + [binary.path] + arguments
        defer {
            // The child has its own copies; ours would keep the pipes open after it exits.
            try? stdout.fileHandleForWriting.close()
            try? stderr.fileHandleForWriting.close()
        }
        process = try SpawnedProcess(
            executable: command[0], arguments: Array(command.dropFirst()), environment: env, directory: directory?.path,
            stdout: stdout.fileHandleForWriting.fileDescriptor, stderr: stderr.fileHandleForWriting.fileDescriptor,
            onExit: { status in
                continuation.yield(status)
                continuation.finish()
            })
        (self.stdout, self.stderr, self.written, self.exited) = (stdout, stderr, written, exited)
    }

    /// Waits for the exit, at most `timeout`; kills the child if it takes longer.
    func waitForExit(timeout: Duration = .seconds(30)) async -> Int32? {
        let stream = exited.stream
        let process = self.process
        return await withTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await status in stream { return status }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                process.send(SIGTERM)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    func kill(_ signal: Int32 = SIGKILL) {
        process.send(signal)
    }

    /// Everything the child wrote so far (all of it, once it has exited).
    var output: (stdout: String, stderr: String) {
        if !process.isRunning {
            // The last bytes may still be in the pipes: take them now.
            for (pipe, isOut) in [(stdout, true), (stderr, false)] {
                pipe.fileHandleForReading.readabilityHandler = nil
                let rest = pipe.fileHandleForReading.readDataToEndOfFile()
                written.withLock { if isOut { $0.stdout.append(rest) } else { $0.stderr.append(rest) } }
            }
        }
        return written.withLock { (String(decoding: $0.stdout, as: UTF8.self), String(decoding: $0.stderr, as: UTF8.self)) }
    }

    /// Runs to completion: status, stdout, stderr.
    static func run(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) async throws -> (Int32?, String, String) {
        let child = try ChildProcess(arguments, environment: environment, directory: directory)
        let status = await child.waitForExit()
        let (out, err) = child.output
        return (status, out, err)
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Ports already handed out in this test process: the kernel may offer a just-closed port
    /// again, and two tests must never start servers on the same one.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A loopback port nobody listens on now, never handed out before in this process. Taken
    /// below the kernel's ephemeral range (32768 and up): the outgoing connections of every
    /// process here (clients, PostgreSQL, the nodes themselves) take their local ports from that
    /// range, and one of them could take a port between this check and the child's bind.
    static func freePort() throws -> Int {
        for _ in 0..<500 {
            let port = Int.random(in: 20_000..<32_768)
            if isFree(port), handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw CancellationError()
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
