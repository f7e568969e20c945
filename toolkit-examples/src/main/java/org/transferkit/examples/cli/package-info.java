/**
 * The {@code transferkit} command line: {@code train}, {@code evaluate}, {@code predict} and
 * {@code models}. Usage mistakes print one line and exit with code 2; failures outside the user's
 * control (files, models) print one line and exit with code 1.
 */
package org.transferkit.examples.cli;
