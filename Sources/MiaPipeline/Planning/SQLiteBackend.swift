import Foundation
import GRDB

/// The job store in a SQLite file (WAL mode, so readers never block the writer), through GRDB.
final class SQLiteBackend: JobStoreBackend {
    let displayName: String
    private let database: any DatabaseWriter

    /// Opens (creating if needed) the file and applies `JobStoreMigration.all` with GRDB's migrator,
    /// which records them in `grdb_migrations` as before. A store that exists but cannot be written
    /// (a read-only file or folder) is opened read-only: it can be listed, and a write says why it fails.
    init(path: String) throws {
        displayName = path
        do {
            database = try Self.openWritable(path)
        } catch {
            // Only for want of write access: a busy or damaged store must still fail as such.
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
            let readOnlyHere = access(path, W_OK) != 0 || access(folder, W_OK) != 0
            guard case .regular = FileKind.of(path), readOnlyHere, let readOnly = try? Self.openReadOnly(path) else {
                let reason = (error as? DatabaseError).map { $0.message ?? "\($0.resultCode)" } ?? error.localizedDescription
                throw MiaError(.jobStore(path), "cannot open the job store: \(reason)")
            }
            database = readOnly
        }
    }

    private static func openWritable(_ path: String) throws -> DatabasePool {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)  // other processes (render farms) may be writing
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

    /// The store opened read-only. SQLite reads a WAL database read-only only where it can make the
    /// shared-memory file beside it; in a folder it cannot write, it is read as immutable instead.
    private static func openReadOnly(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        var queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try queue.read { db in try Self.migrator.hasCompletedMigrations(db) }
        } catch {
            let escaped = path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path
            queue = try DatabaseQueue(path: "file:\(escaped)?mode=ro&immutable=1", configuration: configuration)
        }
        guard try queue.read({ db in try Self.migrator.hasCompletedMigrations(db) }) else {
            throw MiaError(.jobStore(path), "is read-only and its schema is older than this mia-stitch")
        }
        return queue
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in JobStoreMigration.all {
            migrator.registerMigration(migration.name) { db in
                for statement in migration.statements { try db.execute(sql: statement) }
            }
        }
        return migrator
    }

    func claimLock(of table: String) -> String { "" }

    var rowLock: String { "" }

    func now() -> Date { Date() }

    func transaction<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        do {
            // Immediate: the write lock is taken up front, so a claim's read and update are one step
            // for every process sharing the file.
            return try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(Session(db: db))
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T {
        do {
            return try database.read { db in try body(Session(db: db)) }
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    func appliedMigrations() throws -> [String] {
        do {
            return try database.read { db in try Self.migrator.appliedMigrations(db) }
        } catch let error as DatabaseError {
            throw storeError(error)
        }
    }

    private func storeError(_ error: DatabaseError) -> MiaError {
        // Another process holding the database too long is worth another try; anything else is not.
        MiaError(.jobStore(displayName), "job store error: \(error.message ?? "\(error.resultCode)")",
                 retryable: [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode))
    }

    private struct Session: SQLSession {
        let db: Database

        func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int {
            try db.execute(sql: sql, arguments: StatementArguments(binds.map(\.databaseValue)))
            return db.changesCount
        }

        func rows(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow] {
            try Row.fetchAll(db, sql: sql, arguments: StatementArguments(binds.map(\.databaseValue))).map { row in
                var values: [String: SQLValue] = [:]
                for (column, value) in row {
                    switch value.storage {
                    case .null: values[column] = .null
                    case .int64(let number): values[column] = .int(Int(number))
                    case .double(let number): values[column] = .double(number)
                    case .string(let text): values[column] = .text(text)
                    case .blob(let data): values[column] = .text(String(decoding: data, as: UTF8.self))
                    }
                }
                return SQLRow(values: values)
            }
        }
    }
}

extension SQLValue {
    /// Dates go in as GRDB writes them, so rows written before and after this code read the same.
    var databaseValue: DatabaseValue {
        switch self {
        case .null: .null
        case .int(let number): number.databaseValue
        case .double(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .date(let date): date.databaseValue
        }
    }
}
