import Foundation
import GRDB

/// Where a job store lives: a SQLite file on this machine, or a PostgreSQL database that workers on
/// many machines share. The store's queries are written once, in SQL both understand; a backend only
/// runs them.
protocol JobStoreBackend: Sendable {
    /// What messages call the store: the file path, or the URL without its password.
    var displayName: String { get }
    /// Appended to a `SELECT` that picks work to claim. PostgreSQL: `FOR UPDATE … SKIP LOCKED`, so
    /// concurrent claimers pass over each other's rows instead of queueing; SQLite needs nothing
    /// (one writer at a time, and claims run in an immediate transaction).
    func claimLock(of table: String) -> String
    /// Appended to a `SELECT` of one known row about to be updated. PostgreSQL: `FOR UPDATE` (wait for
    /// the other transaction, then see its write); SQLite needs nothing (immediate transactions).
    var rowLock: String { get }
    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    @discardableResult
    func transaction<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// Runs `body` on one consistent snapshot, without blocking writers.
    func read<T>(_ body: (any SQLSession) throws -> T) throws -> T
    /// Names of the migrations applied, in order.
    func appliedMigrations() throws -> [String]
    /// This machine's clock corrected to the database's, so leases from many machines agree.
    func now() -> Date
}

/// Statements inside one transaction. SQL uses `?` placeholders on both backends.
protocol SQLSession {
    /// Runs a statement. Returns the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int
    func rows(_ sql: String, _ binds: [SQLValue]) throws -> [SQLRow]
}

extension SQLSession {
    func row(_ sql: String, _ binds: [SQLValue]) throws -> SQLRow? { try rows(sql, binds).first }
}

/// A value bound to or read from a statement, the same on both backends.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int)
    case double(Double)
    case text(String)
    case date(Date)

    static func optional(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    static func optional(_ value: Double?) -> SQLValue { value.map(SQLValue.double) ?? .null }
    static func optional(_ value: Date?) -> SQLValue { value.map(SQLValue.date) ?? .null }
}

/// One result row by column name.
struct SQLRow {
    let values: [String: SQLValue]

    private func value(_ column: String) throws -> SQLValue {
        guard let value = values[column] else { throw MiaError("job store error: no column \(column) in the result") }
        return value
    }

    private func mismatch(_ column: String, _ value: SQLValue, _ wanted: String) -> MiaError {
        MiaError("job store error: column \(column) holds \(value), not \(wanted)")
    }

    func text(_ column: String) throws -> String {
        guard let text = try optionalText(column) else { throw mismatch(column, .null, "text") }
        return text
    }

    func optionalText(_ column: String) throws -> String? {
        switch try value(column) {
        case .null: return nil
        case .text(let text): return text
        case let other: throw mismatch(column, other, "text")
        }
    }

    /// A text column holding one of `T`'s raw values (a status, a provider).
    /// - Parameter table: the table the row is from, for the message.
    /// - Throws: `MiaError` naming the column and the value when it holds one this version does not know:
    ///   a newer mia-stitch sharing the store may have written it.
    func known<T: RawRepresentable>(_ column: String, of table: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try text(column)
        guard let value = T(rawValue: text) else {
            throw MiaError("job store error: \(table).\(column) holds \"\(text)\", which this version of mia-stitch does not know "
                           + "(a newer version may have written it)")
        }
        return value
    }

    func int(_ column: String) throws -> Int {
        guard let number = try optionalInt(column) else { throw mismatch(column, .null, "an integer") }
        return number
    }

    func optionalInt(_ column: String) throws -> Int? {
        switch try value(column) {
        case .null: return nil
        case .int(let number): return number
        case let other: throw mismatch(column, other, "an integer")
        }
    }

    func double(_ column: String) throws -> Double {
        guard let number = try optionalDouble(column) else { throw mismatch(column, .null, "a number") }
        return number
    }

    func optionalDouble(_ column: String) throws -> Double? {
        switch try value(column) {
        case .null: return nil
        case .double(let number): return number
        // SQLite stores a whole REAL as an integer when it can.
        case .int(let number): return Double(number)
        case let other: throw mismatch(column, other, "a number")
        }
    }

    func date(_ column: String) throws -> Date {
        guard let date = try optionalDate(column) else { throw mismatch(column, .null, "a date") }
        return date
    }

    func optionalDate(_ column: String) throws -> Date? {
        switch try value(column) {
        case .null: return nil
        case .date(let date): return date
        // SQLite keeps dates as text in GRDB's format ("2026-11-25 06:40:00.000", UTC).
        case .text(let text):
            guard let date = Date.fromDatabaseValue(text.databaseValue) else { throw mismatch(column, .text(text), "a date") }
            return date
        case let other: throw mismatch(column, other, "a date")
        }
    }
}
