package phoenix.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SequenceTest {

    @Test
    void countsFromOneWithTheDuplicatesATakeoverMayCause() {
        Sequence s = Sequence.of(List.of("1", "2", "3", "3", "4", "2", "5"));

        assertTrue(s.ok(), s.problem());
        assertEquals(7, s.lines());
        assertEquals(5, s.max());
        assertEquals(2, s.duplicates());
    }

    @Test
    void aNumberThatJumpsAheadIsASkip() {
        Sequence s = Sequence.of(List.of("1", "2", "4"));

        assertFalse(s.ok());
        assertEquals("line 3 skips from 2 to 4", s.problem());
    }

    @Test
    void startsAtOne() {
        assertEquals("line 1 skips from 0 to 2", Sequence.of(List.of("2")).problem());
        assertEquals("line 1 prints 0", Sequence.of(List.of("0")).problem());
    }

    @Test
    void anythingButDigitsIsNotANumber() {
        for (String bad : List.of("", " 1", "+1", "-1", "1.0", "x", "99999999999999999999")) {
            Sequence s = Sequence.of(List.of("1", bad));
            assertEquals("line 2 is not a number: '" + bad + "'", s.problem());
        }
    }
}
