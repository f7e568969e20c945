/**
 * Keras {@code keras.applications}-style HDF5 weight files loaded into DL4J graphs by layer name
 * ({@link org.transferkit.zoo.keras.KerasWeights}).
 */
package org.transferkit.zoo.keras;
