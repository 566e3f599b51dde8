import Foundation
import Logging
import PostgresNIO

/// The job store in PostgreSQL, shared by workers on many machines, through postgres-nio.
///
/// The store's API is synchronous (as with SQLite), so each statement waits for its answer on the
/// calling thread; the answer itself arrives on NIO's event loop, never on Swift's cooperative pool,
/// so waiting cannot starve it. One connection per process, one transaction at a time on it.
final class PostgresBackend: JobStoreBackend, @unchecked Sendable {
    // @unchecked: `connection` and `clockOffset` are only touched under `lock`.
    let displayName: String
    private let settings: PostgresURL
    private let logger: Logger
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private var clockOffset: TimeInterval = 0

    /// Connects, reads the server's clock, and applies `JobStoreMigration.all`.
    /// - Throws: `MiaError` naming the URL (without its password) when the database cannot be reached.
    init(url: PostgresURL) throws {
        settings = url
        displayName = url.redacted
        // postgres-nio logs through swift-log; mia-stitch reports problems itself, as one line.
        logger = Logger(label: "mia-stitch.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        try lock.withLock {
            _ = try connected()
            let serverNow = try run("SELECT now() AS now", []).rows.first.flatMap { try? Self.row($0).date("now") }
            if let serverNow { clockOffset = serverNow.timeIntervalSinceNow }
        }
        try migrate()
    }

    deinit {
        // postgres-nio requires an explicit close; the server would otherwise log an unexpected EOF.
        try? connection?.close().wait()
    }

    static func isURL(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    func claimLock(of table: String) -> String { " FOR UPDATE OF \(table) SKIP LOCKED" }

    var rowLock: String { " FOR UPDATE" }

    func now() -> Date { lock.withLock { Date().addingTimeInterval(clockOffset) } }

    func transaction<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        try inTransaction("BEGIN", body)
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        // One snapshot for every statement, as SQLite's readers see.
        try inTransaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    func appliedMigrations() throws -> [String] {
        try read { session in try session.rows("SELECT identifier FROM mia_migrations ORDER BY position", []).map { try $0.text("identifier") } }
    }

    /// Applies the migrations not yet applied, under an advisory lock so that workers starting
    /// together do not race each other.
    private func migrate() throws {
        try transaction { session in
            try session.execute("SELECT pg_advisory_xact_lock(7372101)", [])
            try session.execute("""
                CREATE TABLE IF NOT EXISTS mia_migrations (
                  identifier TEXT NOT NULL PRIMARY KEY, position BIGINT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)
                """, [])
            let applied = Set(try session.rows("SELECT identifier FROM mia_migrations", []).map { try $0.text("identifier") })
            for (position, migration) in JobStoreMigration.all.enumerated() where !applied.contains(migration.name) {
                for statement in migration.statements { try session.execute(statement, []) }
                try session.execute("INSERT INTO mia_migrations (identifier, position, applied_at) VALUES (?, ?, now())",
                                    [.text(migration.name), .int(position)])
            }
        }
    }

    private func inTransaction<T>(_ begin: String, _ body: (any SQLSession) throws -> T) throws -> T {
        try lock.withLock {
            _ = try connected()
            _ = try run(begin, [])
            do {
                let result = try body(Session(backend: self))
                _ = try run("COMMIT", [])
                return result
            } catch {
                _ = try? run("ROLLBACK", [])
                throw error
            }
        }
    }

    /// The open connection; a dropped one is replaced (a database restart should not stop workers).
    /// Call under `lock`.
    private func connected() throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: try settings.tls())
        configuration.options.connectTimeout = .seconds(10)
        do {
            let opened = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                        configuration: configuration, id: 1, logger: logger).wait()
            connection = opened
            return opened
        } catch {
            // An unreachable database may be back soon (render farms retry such tasks); a refusal by the server is final.
            throw MiaError(.jobStore(displayName), "cannot open the job store: \(Self.describe(error))",
                           retryable: (error as? PSQLError)?.serverInfo == nil)
        }
    }

    /// Call under `lock`.
    fileprivate func run(_ sql: String, _ binds: [SQLValue]) throws -> PostgresQueryResult {
        guard let connection else { throw MiaError(.jobStore(displayName), "job store error: not connected") }
        var bindings = PostgresBindings(capacity: binds.count)
        for value in binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let number): bindings.append(number)
            case .double(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .date(let date): bindings.append(date)
            }
        }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings),
                                        logger: logger).wait()
        } catch {
            // The server's own refusals (a constraint, bad SQL) are final; a dropped connection is not.
            throw MiaError(.jobStore(displayName), "job store error: \(Self.describe(error))",
                           retryable: (error as? PSQLError)?.serverInfo == nil)
        }
    }

    /// `?` → `$1`, `$2`, …: the store's SQL is written once with SQLite's placeholders.
    static func numberedPlaceholders(_ sql: String) -> String {
        var result = ""
        var number = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func row(_ row: PostgresRow) throws -> SQLRow {
        var values: [String: SQLValue] = [:]
        for cell in row {
            guard cell.bytes != nil else {
                values[cell.columnName] = .null
                continue
            }
            switch cell.dataType {
            case .int8, .int4, .int2: values[cell.columnName] = .int(try cell.decode(Int.self))
            case .float8, .float4: values[cell.columnName] = .double(try cell.decode(Double.self))
            case .numeric: values[cell.columnName] = .double(Double(try cell.decode(String.self)) ?? .nan)
            case .timestamptz, .timestamp: values[cell.columnName] = .date(try cell.decode(Date.self))
            case .bool: values[cell.columnName] = .int(try cell.decode(Bool.self) ? 1 : 0)
            default: values[cell.columnName] = .text(try cell.decode(String.self))
            }
        }
        return SQLRow(values: values)
    }

    /// The server's own message when there is one (e.g. `database "x" does not exist`), else the
    /// network's (e.g. connection refused); never the URL, which may hold a password.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return describe(underlying) }
            return "\(error.code)"
        }
        if let error = error as? MiaError { return error.problem }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return describe(first.error)
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? ChannelError, case .connectTimeout = error { return "no answer within 10 s" }
        return "\(error)"
    }

    private struct Session: SQLSession {
        let backend: PostgresBackend

        func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int {
            try backend.run(sql, binds).metadata.rows ?? 0
        }

        func rows(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            try backend.run(sql, binds).rows.map(PostgresBackend.row)
        }
    }
}

/// A `postgres://` or `postgresql://` URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=…]`.
/// The password may instead come from `PGPASSWORD`, which keeps it out of process listings.
struct PostgresURL: Sendable, Equatable {
    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var sslMode: String

    /// - Throws: `MiaError` naming the URL (without its password) when it cannot be used.
    init(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let shown = Self.redact(text)
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme) else {
            throw MiaError(file: shown, "is not a PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE)")
        }
        user = components.user ?? environment["PGUSER"] ?? "postgres"
        password = components.password ?? environment["PGPASSWORD"]
        host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = components.port ?? 5432
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
        sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "disable"
        guard ["disable", "prefer", "require", "verify-full"].contains(sslMode) else {
            throw MiaError(file: shown, "sslmode \(sslMode) is not supported (disable, prefer, require or verify-full)")
        }
    }

    /// The URL as it may be shown: never with its password.
    var redacted: String {
        let query = sslMode == "disable" ? "" : "?sslmode=\(sslMode)"
        return "postgres://\(user)@\(host):\(port)/\(database)\(query)"
    }

    static func redact(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "the PostgreSQL URL" }
        if components.password != nil { components.password = nil }
        return components.string ?? "the PostgreSQL URL"
    }

    /// `require` encrypts without checking the certificate (as libpq does); `verify-full` checks it and the host name.
    func tls() throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case "disable": return .disable
        case "verify-full": break
        default: configuration.certificateVerification = .none
        }
        let context = try NIOSSLContext(configuration: configuration)
        return sslMode == "prefer" ? .prefer(context) : .require(context)
    }
}
