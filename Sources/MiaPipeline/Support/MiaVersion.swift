/// The version of mia-stitch, in one place: `mia-stitch --version` prints it.
public enum MiaVersion {
    public static let current = "0.1.0"
}
