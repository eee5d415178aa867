import Foundation
import NIOSSL

/// A throwaway certificate authority and a `localhost` server certificate it signed, made with
/// the openssl command for one test.
public struct TestCertificates: Sendable {
    public let caPath: String
    public let serverCertificatePath: String
    public let serverKeyPath: String

    public static func make() async throws -> TestCertificates {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ringback-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        try Data("subjectAltName=DNS:localhost,IP:127.0.0.1\n".utf8).write(to: URL(fileURLWithPath: path("san.cnf")))
        try await openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path("ca.key"), "-out", path("ca.pem"),
                     "-days", "2", "-subj", "/CN=Ringback Test CA"])
        try await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", path("server.key"), "-out", path("server.csr"),
                     "-subj", "/CN=localhost"])
        try await openssl(["x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                     "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", path("san.cnf")])
        return TestCertificates(caPath: path("ca.pem"), serverCertificatePath: path("server.pem"), serverKeyPath: path("server.key"))
    }

    /// The server side's TLS configuration.
    public func serverConfiguration() throws -> TLSConfiguration {
        TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCertificatePath).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKeyPath, format: .pem)))
    }

    /// Runs openssl and waits for it without blocking a thread of the concurrency pool.
    private static func openssl(_ arguments: [String]) async throws {
        let status = try await SpawnedProcess.run("/usr/bin/openssl", arguments)
        guard status == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
