/**
 * The one-file classifier: network, labels, input shape, preprocessing and provenance (backbone,
 * weights checksum, frozen layers, training settings, metrics, versions), with a format version so
 * later releases keep reading older files.
 */
package org.transferkit.bundle;
