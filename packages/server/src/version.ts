/** The inferd server version, reported by Diagnostics.Ping and the binary's --version. */
export const SERVER_VERSION = "0.1.0";
