/**
 * Benchmarks behind {@code docs/benchmarks.md}; each has {@code run(args)} returning what it measured.
 */
package org.transferkit.examples.bench;
