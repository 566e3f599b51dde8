import Foundation

/// One caption on the video's timeline: one or two lines, shown from `start` to `end` (seconds).
public struct CaptionCue: Sendable, Equatable {
    public var start: Double
    public var end: Double
    public var lines: [String]
    /// The scene it belongs to (1-based): a cue never outlasts its scene.
    public var scene: Int
    /// What the lines say, word by word, each when it is spoken: what a karaoke caption highlights.
    public var words: [Word]

    /// A word of a cue on the video's timeline (in Chinese and Japanese, a character).
    public struct Word: Sendable, Equatable {
        public var text: String
        public var start: Double
        public var end: Double
        /// Written with a space before it, unless it starts a line.
        public var spaced: Bool
    }

    public init(start: Double, end: Double, lines: [String], scene: Int, words: [Word] = []) {
        self.start = start
        self.end = end
        self.lines = lines
        self.scene = scene
        self.words = words
    }
}

/// One scene's narration placed on the video's timeline: what the cue builder reads.
public struct CaptionScene: Sendable, Equatable {
    public var scene: Int
    /// Seconds from the video's start to the scene's start (its chapter start) and end.
    public var start: Double
    public var end: Double
    /// Seconds from the scene's start to the speech's start.
    public var leadIn: Double
    /// When each word is spoken, from the speech's start.
    public var words: [WordTiming]

    public init(scene: Int, start: Double, end: Double, leadIn: Double, words: [WordTiming]) {
        self.scene = scene
        self.start = start
        self.end = end
        self.leadIn = leadIn
        self.words = words
    }
}
