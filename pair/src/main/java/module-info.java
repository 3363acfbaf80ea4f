/**
 * The library that makes any Java program a process pair: see {@link phoenix.pair} for the public face and the
 * protocol. Exports that package alone and opens nothing: the engine's package-private classes stay out of reach,
 * also by reflection.
 */
module phoenix.pair {
    requires org.slf4j;
    // ExtendedSocketOptions (peer credentials on the Unix-domain sockets).
    requires jdk.net;
    // sun.misc.Signal, reached by reflection (Signals).
    requires jdk.unsupported;

    exports phoenix.pair;
}
