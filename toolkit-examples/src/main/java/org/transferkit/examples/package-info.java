/**
 * Example programs, each a small class with {@code run(args)} returning a result so that tests call
 * them: {@link org.transferkit.examples.QuickStart} shows the library API from folder to prediction.
 */
package org.transferkit.examples;
