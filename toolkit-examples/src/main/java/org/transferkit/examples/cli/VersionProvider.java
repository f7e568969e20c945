package org.transferkit.examples.cli;

import java.util.Map;
import org.transferkit.bundle.Provenance;
import picocli.CommandLine;

/** Prints the toolkit, DL4J, Java and OS versions for {@code --version}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        Map<String, String> v = Provenance.versions();
        return new String[] {"TransferKit " + v.get("toolkit") + " (DL4J " + v.get("dl4j") + ", Java " + v.get("java")
            + ", " + v.get("os") + ")"};
    }
}
