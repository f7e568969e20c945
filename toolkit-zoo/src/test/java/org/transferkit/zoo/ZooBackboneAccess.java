package org.transferkit.zoo;

import java.nio.file.Path;
import org.transferkit.TransferKitException;
import org.transferkit.model.InputShape;

/** Test access to the package-private, input-size-taking factories of {@link ZooBackbone}. */
public final class ZooBackboneAccess {
    private ZooBackboneAccess() {
    }

    /** @return {@link ZooBackbone#untrained} at {@code in} */
    public static ZooBackbone untrained(ZooArchitecture a, InputShape in) throws TransferKitException {
        return ZooBackbone.untrained(a, in);
    }

    /** @return {@link ZooBackbone#pretrained} resolved at {@code in} */
    public static ZooBackbone pretrained(ZooArchitecture a, Path f, InputShape in) throws TransferKitException {
        return ZooBackbone.pretrained(a, f, in);
    }
}
