/** Unit tests of the key-value example: its state's encoding, its requests, its writer and its service. */
package phoenix.kv;
