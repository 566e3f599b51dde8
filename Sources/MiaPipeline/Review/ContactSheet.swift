import Foundation
import MiaFFmpeg

/// A grid of frames taken from videos, each with lines of text under it: a video's scenes (`review
/// --contact-sheet`) or an A/B render's variants (`render --compare`) seen at a glance. Frames are
/// decoded and scaled with FFmpeg, labels drawn with the template cards' text rendering, and the
/// sheet written as a PNG by FFmpeg's encoder.
public struct ContactSheet: Sendable {
    /// One cell: the frame of `video` shown at `seconds`, and the lines under it.
    public struct Cell: Sendable, Equatable, Codable {
        public var video: String
        public var seconds: Double
        public var label: [String]

        public init(video: String, seconds: Double, label: [String]) {
            self.video = video
            self.seconds = seconds
            self.label = label
        }
    }

    /// Where everything sits on the sheet, in pixels.
    public struct Layout: Sendable, Equatable, Codable {
        public let columns: Int
        public let rows: Int
        public let cellWidth: Int
        public let cellHeight: Int
        /// The band under each frame that holds its label.
        public let labelHeight: Int
        public let gap: Int
        public var width: Int { columns * cellWidth + (columns + 1) * gap }
        public var height: Int { rows * (cellHeight + labelHeight) + (rows + 1) * gap }

        /// The top-left corner of cell `index`'s frame (cells fill rows left to right).
        public func origin(of index: Int) -> (x: Int, y: Int) {
            (gap + (index % columns) * (cellWidth + gap), gap + (index / columns) * (cellHeight + labelHeight + gap))
        }
    }

    public var cells: [Cell]
    public var columns: Int
    /// The width of each frame; its height follows the first video's shape.
    public var cellWidth: Int

    static let labelSize = 14
    static let maximumFrames = 24
    static let secondsPerFrame = 5.0

    public init(cells: [Cell], columns: Int, cellWidth: Int = 320) {
        self.cells = cells
        self.columns = max(1, min(columns, cells.count))
        self.cellWidth = cellWidth
    }

    /// A sheet of one video: a frame from the middle of each chapter (a rendered video has one per
    /// scene), labelled with the chapter's title and times; a video without chapters gets frames
    /// evenly spaced, about one per 5 s and at most 24.
    /// - Throws: `MiaError` when the video cannot be read.
    public static func scenes(of video: String) throws -> ContactSheet {
        let duration: Double
        let chapters: [InputContainer.Chapter]
        do {
            let input = try InputContainer(path: video)
            chapters = input.chapters
            duration = input.duration ?? 0
        } catch let error as FFmpegError {
            throw MiaError(.file(video), "cannot be read", ffmpeg: error)
        }
        var cells: [Cell] = chapters.enumerated().map { index, chapter in
            let start = Double(chapter.start) * chapter.timeBase.value, end = Double(chapter.end) * chapter.timeBase.value
            let title = chapter.title.isEmpty ? "Chapter \(index + 1)" : chapter.title
            return Cell(video: video, seconds: (start + end) / 2, label: [title, "\(clock(start))–\(clock(end))"])
        }
        if cells.isEmpty {
            let count = min(maximumFrames, max(1, Int((duration / secondsPerFrame).rounded(.up))))
            cells = (0..<count).map { index in
                let seconds = duration * (Double(index) + 0.5) / Double(count)
                return Cell(video: video, seconds: seconds, label: [clock(seconds)])
            }
        }
        return ContactSheet(cells: cells, columns: 4)
    }

    /// "1:05" (minutes and seconds), or "1:02:05" past an hour.
    public static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded(.down))
        let (hours, minutes, rest) = (total / 3600, total / 60 % 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    /// Draws the sheet and writes it to `output` (a `.png`), atomically.
    /// - Throws: `MiaError` when `output` exists (without `overwrite`) or is not a `.png`, a video
    ///   cannot be read, or the sheet cannot be written; nothing is left at `output` then.
    @discardableResult
    public func write(to output: String, overwrite: Bool) throws -> Layout {
        guard output.lowercased().hasSuffix(".png") else {
            throw MiaError(.output(output), "a contact sheet is a PNG: name it with .png")
        }
        guard !cells.isEmpty else { throw MiaError(.output(output), "no frames to put on a contact sheet") }
        let target = try AtomicOutput(destination: output, overwrite: overwrite)
        let layout = try self.layout()
        let pixels = try draw(layout)
        let png: [UInt8]
        do {
            png = try StillFrame.png(pixels, width: layout.width, height: layout.height)
        } catch let error as FFmpegError {
            throw MiaError(.output(output), "cannot encode the PNG", ffmpeg: error)
        }
        try target.write { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: Data(png)) else {
                throw MiaError(.output(output), "cannot be written")
            }
        }
        return layout
    }

    /// The grid for these cells: frames as tall as the first video's shape needs (even, as video is).
    func layout() throws -> Layout {
        let info = try MediaProbe.inspect(cells[0].video)
        guard let video = info.video, let width = video.width, let height = video.height, width > 0 else {
            throw MiaError(file: cells[0].video, "has no video stream")
        }
        let cellHeight = max(2, Int((Double(cellWidth) * Double(height) / Double(width) / 2).rounded()) * 2)
        let lines = cells.map(\.label.count).max() ?? 0
        let labelHeight = lines == 0 ? 0 : lines * (Self.labelSize * 3 / 2) + Self.labelSize / 2
        return Layout(columns: columns, rows: (cells.count + columns - 1) / columns, cellWidth: cellWidth,
                      cellHeight: cellHeight, labelHeight: labelHeight, gap: Self.labelSize)
    }

    /// The sheet as RGBA pixels: the theme's dark background, each frame, its label centred under it
    /// (the first line bold, the others regular).
    private func draw(_ layout: Layout) throws -> [UInt8] {
        let theme = try Theme.named(Theme.defaultName)
        var pixels = [UInt8](repeating: 255, count: layout.width * layout.height * 4)
        for index in 0..<(layout.width * layout.height) {
            pixels[index * 4] = theme.backgroundTop.r
            pixels[index * 4 + 1] = theme.backgroundTop.g
            pixels[index * 4 + 2] = theme.backgroundTop.b
        }
        let library = try FontLibrary()
        let fallbacks = try Theme.fallbackFonts.filter { FileManager.default.fileExists(atPath: $0) }
            .map { try FontFace(library: library, path: $0) }
        let bold = TextStyle(faces: [try FontFace(library: library, path: Theme.boldFont)] + fallbacks, size: Self.labelSize)
        let regular = TextStyle(faces: [try FontFace(library: library, path: Theme.regularFont)] + fallbacks, size: Self.labelSize)
        var titles = CoverageLayer(width: layout.width, height: layout.height)
        var details = CoverageLayer(width: layout.width, height: layout.height)

        for (index, cell) in cells.enumerated() {
            let origin = layout.origin(of: index)
            let frame = try StillFrame.rgba(of: cell.video, at: cell.seconds, width: layout.cellWidth, height: layout.cellHeight)
            for row in 0..<layout.cellHeight {
                let from = row * layout.cellWidth * 4, to = ((origin.y + row) * layout.width + origin.x) * 4
                pixels.replaceSubrange(to..<(to + layout.cellWidth * 4), with: frame[from..<(from + layout.cellWidth * 4)])
            }
            var baseline = origin.y + layout.cellHeight + Self.labelSize / 2
            for (number, text) in cell.label.enumerated() {
                let style = number == 0 ? bold : regular
                baseline += style.lineHeight
                var line = TextLine(text: text, direction: Bidi.direction(of: text.unicodeScalars.map(\.value)))
                if style.width(line) > layout.cellWidth { line = style.ellipsized(line, maxWidth: layout.cellWidth) }
                let x = origin.x + (layout.cellWidth - style.width(line)) / 2
                if number == 0 {
                    style.draw(line, into: &titles, x: x, baseline: baseline - style.lineHeight + style.ascender)
                } else {
                    style.draw(line, into: &details, x: x, baseline: baseline - style.lineHeight + style.ascender)
                }
            }
        }
        titles.blend(color: theme.titleColor, opacity: 1, into: &pixels)
        details.blend(color: theme.bodyColor, opacity: 1, into: &pixels)
        return pixels
    }
}
