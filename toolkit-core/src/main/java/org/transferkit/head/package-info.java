/**
 * The new layers put on a cut backbone ({@link org.transferkit.head.HeadSpec}) and the graph surgery
 * that does it ({@link org.transferkit.head.TransferModel}): remove everything after the cut point,
 * freeze what is left, pool or flatten feature maps, add Dense/ReLU/dropout layers and a softmax output.
 */
package org.transferkit.head;
