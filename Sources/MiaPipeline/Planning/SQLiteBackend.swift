import Foundation
import GRDB

/// The job store in a SQLite file (WAL mode, so readers never block the writer), through GRDB.
final class SQLiteBackend: JobStoreBackend {
    let displayName: String
    private let database: DatabasePool

    /// Opens (creating if needed) the file and applies `JobStoreMigration.all` with GRDB's migrator,
    /// which records them in `grdb_migrations` as before.
    init(path: String) throws {
        displayName = path
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)  // other processes (render farms) may be writing
            database = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(database)
        } catch let error as DatabaseError {
            throw MiaError(file: path, "cannot open the job store: \(error.message ?? "\(error.resultCode)")")
        } catch {
            throw MiaError(file: path, "cannot open the job store: \(error.localizedDescription)")
        }
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
        MiaError(file: displayName, "job store error: \(error.message ?? "\(error.resultCode)")",
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
