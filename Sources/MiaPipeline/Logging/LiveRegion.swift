import Foundation

/// A block of lines at the bottom of a terminal that redraws in place, with other output printed above it.
///
/// Everything written to the terminal while the region is shown goes through here, under one lock: to
/// print a line, the region is cleared, the line written, and the region drawn again below it. Writing
/// around it (a plain `print` to the same terminal) is what made the scene block repeat with events
/// interleaved: the cursor-up count no longer matched what was on the screen.
public final class LiveRegion: @unchecked Sendable {
    // @unchecked: `lines`, `drawn` and `closed` are only touched under `lock`; `write` is called under it.
    private let lock = NSLock()
    private let write: @Sendable (String) -> Void
    private let width: Int
    private var lines: [String] = []
    /// How many lines of the region are on the screen now, above the cursor.
    private var drawn = 0
    private var closed = false

    /// - Parameters:
    ///   - width: The terminal's columns: longer lines are cut, since a wrapped line would take two rows
    ///     and the redraw would leave its top behind.
    ///   - write: Where the bytes go (standard error; a test collects them).
    public init(width: Int, write: @escaping @Sendable (String) -> Void) {
        self.width = max(width, 20)
        self.write = write
    }

    /// A region on standard error, as wide as the terminal it is on.
    public static func standardError() -> LiveRegion {
        var size = winsize()
        let asked = withUnsafeMutablePointer(to: &size) { ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), $0) }
        let columns = asked == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
        return LiveRegion(width: columns) { FileHandle.standardError.write(Data($0.utf8)) }
    }

    /// Replaces the region's lines and redraws it.
    public func show(_ newLines: [String]) {
        lock.withLock {
            guard !closed else { return }
            lines = newLines.map(fitted)
            write(erase() + drawing())
        }
    }

    /// Prints `text` (whole lines) above the region; after `finish`, just prints it.
    public func printAbove(_ text: String) {
        lock.withLock {
            let body = text.hasSuffix("\n") ? text : text + "\n"
            write(erase() + body + (closed ? "" : drawing()))
        }
    }

    /// Leaves the region's last drawing on the screen as ordinary output; later prints go below it.
    public func finish() {
        lock.withLock {
            closed = true
            drawn = 0
        }
    }

    /// Removes the region from the screen (for a progress line that should not stay).
    public func clear() {
        lock.withLock {
            write(erase())
            lines = []
            closed = true
        }
    }

    /// Cursor up to the region's first line, then clear to the end of the screen.
    private func erase() -> String {
        defer { drawn = 0 }
        return drawn > 0 ? "\u{1B}[\(drawn)A\r\u{1B}[J" : ""
    }

    private func drawing() -> String {
        drawn = lines.count
        return lines.map { $0 + "\n" }.joined()
    }

    /// One row: control characters made visible, cut to the terminal's width.
    private func fitted(_ line: String) -> String {
        let safe = TerminalText.escaped(line, keepNewlines: false)
        return safe.count < width ? safe : String(safe.prefix(width - 2)) + "…"
    }
}
