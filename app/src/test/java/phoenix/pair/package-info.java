/**
 * What the integration tests need inside the library's package: a sender of hostile datagrams, the ZooKeeper
 * epoch store's checks and a program for its class-loading check. They reach package-private engine classes, which
 * only code in the same package on the class path can (the module {@code phoenix.pair} opens nothing); the
 * library's own unit tests are in its module, {@code pair/src/test/java/phoenix/pair}.
 */
package phoenix.pair;
