package phoenix.pair;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A member's entry in the coordinator, written and read back; what it cannot read is left empty, never thrown. */
class PairMemberTest {
    @Test
    void readsBackTheEntryItWrites() {
        PairMember m = new PairMember(4321, "host-1", "10.1.2.3", "standby");
        assertEquals("pid=4321 host=host-1 bind=10.1.2.3 role=standby", m.toRecord());
        assertEquals(m, PairMember.parse(m.toRecord()));
    }

    @Test
    void leavesEmptyWhatAnEntryDoesNotSayAndSkipsWhatItDoesNotKnow() {
        assertEquals(new PairMember(0, "", "", ""), PairMember.parse(""));
        assertEquals(new PairMember(0, "h", "", "primary"), PairMember.parse("pid=x host=h role=primary extra=1 junk"));
    }

    @Test
    void namesThisHostWithoutADnsLookUp() {
        String host = PairMember.localHost();
        assertEquals(true, host.matches("[A-Za-z0-9._-]{1,64}"), host);
    }
}
