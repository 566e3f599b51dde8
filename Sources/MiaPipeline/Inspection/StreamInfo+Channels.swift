/// Channels in words, one way everywhere: "1 channel (mono)", "2 channels (stereo)", "6 channels (5.1)".
///
/// FFmpeg names a layout whose order it does not know "1 channels"; that is the same sound as "mono",
/// so comparisons use `canonicalChannelLayout`, never the raw name.
extension StreamInfo {
    /// The layout, with FFmpeg's unspecified "N channels" read as the default layout for N (as
    /// `av_channel_layout_default` does for 1 and 2).
    public var canonicalChannelLayout: String? {
        Self.canonicalLayout(channelLayout, channels: channels)
    }

    /// "2 channels (stereo)"; nil when the count is not known.
    public var channelsText: String? {
        channels.map { Self.channelsText($0, layout: channelLayout) }
    }

    /// "1 channel (mono)", "2 channels (stereo)", "6 channels (5.1)", "3 channels".
    public static func channelsText(_ count: Int, layout: String? = nil) -> String {
        let noun = count == 1 ? "1 channel" : "\(count) channels"
        guard let name = canonicalLayout(layout, channels: count), name != "\(count) channels" else { return noun }
        return "\(noun) (\(name))"
    }

    static func canonicalLayout(_ layout: String?, channels: Int?) -> String? {
        let unspecified = layout == nil || layout == "\(channels ?? -1) channels" || layout == "\(channels ?? -1) channel"
        guard unspecified else { return layout }
        switch channels {
        case 1: return "mono"
        case 2: return "stereo"
        case let count?: return "\(count) channels"
        case nil: return layout
        }
    }
}
