import Foundation
import Synchronization

/// A child process started with `posix_spawn`.
///
/// Tests do not use Foundation's `Process.run()` on Linux: it lists `/proc/self/fd` by copying
/// each directory entry's whole 256-byte `d_name`, which reads past glibc's buffer and crashes
/// the test process now and then (swift-corelibs-foundation PR 5472), and it changes the whole
/// process's working directory while it starts a child. Here the child closes every inherited
/// descriptor above 2 itself (`posix_spawn_file_actions_addclosefrom_np`) and changes its own
/// directory (`posix_spawn_file_actions_addchdir_np`); both are glibc functions that Swift's
/// Glibc module does not declare, so they are looked up once by name.
public final class SpawnedProcess: Sendable {
    public let processIdentifier: pid_t
    private let status = ExitStatus()

    private final class ExitStatus: Sendable {
        let value = Mutex<Int32?>(nil)
    }

    /// Starts `executable arguments...` with exactly `environment`; the child's standard output
    /// and error are `stdout` and `stderr` (descriptors the caller closes afterwards), its input
    /// is /dev/null. `onExit` gets the exit status, or the signal that ended it.
    public init(
        executable: String, arguments: [String], environment: [String: String], directory: String? = nil,
        stdout: Int32, stderr: Int32, onExit: @escaping @Sendable (Int32) -> Void
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        try Self.check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0))
        try Self.check(posix_spawn_file_actions_adddup2(&actions, stdout, 1))
        try Self.check(posix_spawn_file_actions_adddup2(&actions, stderr, 2))
        try Self.check(GlibcSpawn.shared.addCloseFrom(&actions, 3))
        if let directory { try Self.check(GlibcSpawn.shared.addChdir(&actions, directory)) }
        // Its own process group, as Foundation does; no signal blocked, and every signal's default
        // action (one the test process ignores, SIGPIPE say, would stay ignored across exec).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        try Self.check(posix_spawnattr_setsigmask(&attributes, &noSignals))
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        try Self.check(posix_spawnattr_setsigdefault(&attributes, &allSignals))
        try Self.check(posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        try Self.check(posix_spawn(&pid, executable, &actions, &attributes, argv, envp))
        processIdentifier = pid

        let status = self.status, child = pid
        let waiter = Thread {
            var raw: Int32 = 0
            var waited = waitpid(child, &raw, 0)
            while waited == -1 && errno == EINTR { waited = waitpid(child, &raw, 0) }
            // Exit code when it exited, the signal's number when a signal ended it; -1 when the
            // wait itself failed (never a false success).
            let code = waited == -1 ? -1 : raw & 0x7f == 0 ? (raw >> 8) & 0xff : raw & 0x7f
            status.value.withLock { $0 = code }
            onExit(code)
        }
        waiter.start()
    }

    /// Nil while it runs.
    public var exitStatus: Int32? { status.value.withLock { $0 } }
    public var isRunning: Bool { exitStatus == nil }

    public func send(_ signal: Int32) {
        if isRunning { kill(processIdentifier, signal) }
    }

    /// Sends `signal` to the child's process group: the child and whatever it started, also
    /// after the child itself has ended.
    public func sendToGroup(_ signal: Int32) {
        kill(-processIdentifier, signal)
    }

    /// Runs to the end: the exit status (or signal).
    public static func run(_ executable: String, _ arguments: [String]) async throws -> Int32 {
        let devNull = open("/dev/null", O_WRONLY)
        defer { close(devNull) }
        let environment = ProcessInfo.processInfo.environment
        return try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try SpawnedProcess(
                    executable: executable, arguments: arguments, environment: environment,
                    stdout: devNull, stderr: devNull, onExit: { continuation.resume(returning: $0) })
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    private static func check(_ result: Int32) throws {
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
    }
}

/// The two glibc (2.29+, 2.34+) file actions that Swift's Glibc module leaves out.
private struct GlibcSpawn: @unchecked Sendable {
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    let addCloseFrom: AddCloseFrom
    let addChdir: AddChdir

    static let shared: GlibcSpawn = {
        let handle = dlopen(nil, RTLD_NOW)
        guard let closeFrom = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np"),
              let chdir = dlsym(handle, "posix_spawn_file_actions_addchdir_np")
        else { fatalError("glibc 2.34 or later is needed to start child processes in tests") }
        return GlibcSpawn(
            addCloseFrom: unsafeBitCast(closeFrom, to: AddCloseFrom.self),
            addChdir: unsafeBitCast(chdir, to: AddChdir.self))
    }()
}
