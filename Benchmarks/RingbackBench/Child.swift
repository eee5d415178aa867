import Foundation
import Synchronization

/// A child process of the benchmark (ringback, nginx, wrk), its output kept in a file.
final class Child: @unchecked Sendable {
    let process = Process()
    let log: URL

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], log: URL) throws {
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("RINGBACK_") }
            .merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Resident memory now, in bytes (Linux /proc).
    var rss: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// Runs a command to its end and answers its output.
    static func output(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// A loopback port nobody listens on now.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// nginx answering `204` to everything, on a port of its own.
struct Nginx {
    let port: Int
    let folder: URL
    let child: Child

    static func start(in folder: URL, workers: Int = 1, port chosen: Int? = nil) throws -> Nginx {
        let port = chosen ?? Child.freePort()
        let config = folder.appendingPathComponent("nginx-\(port).conf")
        try """
            worker_processes \(workers);
            daemon off;
            pid \(folder.path)/nginx-\(port).pid;
            error_log \(folder.path)/nginx-\(port)-error.log;
            events { worker_connections 8192; }
            http {
              access_log off;
              client_body_temp_path \(folder.path);
              keepalive_requests 1000000;
              server { listen 127.0.0.1:\(port) reuseport; location / { return 204; } }
            }
            """.write(to: config, atomically: true, encoding: .utf8)
        let nginx = try Self.executable()
        let child = try Child(nginx, ["-c", config.path], log: folder.appendingPathComponent("nginx-\(port).log"))
        try waitForPort(port)
        return Nginx(port: port, folder: folder, child: child)
    }

    static func executable() throws -> String {
        for path in ["/usr/sbin/nginx", "/usr/bin/nginx"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw BenchError("nginx is missing: apt-get install nginx")
    }
}

/// Waits until something listens on the loopback port.
func waitForPort(_ port: Int, timeout: Duration = .seconds(30)) throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        close(fd)
        if connected { return }
        usleep(20_000)
    }
    throw BenchError("nothing listens on port \(port)")
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
