// The library's baseline profile (android/src/main/baseline-prof.txt) against what a cold start
// really loads: WarmUpProbe (WarmUpThreadTests.kt) runs a whole checkout through the layer in a
// fresh JVM with class loading logged, and every class of the bindings, kotlin-support, the layer
// and JNA that it loads must be named by the profile, with a rule that compiles its methods. The
// profile's syntax, and that each class it names exists in the Android build's classes and JNA's
// aar, are checked by scripts/baseline_profile_check.py (scripts/android-check.sh).
package io.checkoutbridge.android.jvmtest

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.nio.file.Paths
import kotlin.io.path.readLines
import kotlin.io.path.readText
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * Which classes a baseline profile covers, from its class rules (`Lpkg/Name;`) and its method
 * rules for every method (`HS…Lpkg/Name;->**(**)**`), with the wildcards of AGP's parser
 * (com.android.tools.profgen: `**` any run of name characters, `/` and `;` included, `*` one name
 * part, `$` included, `?` one character). The syntax itself is scripts/baseline_profile_check.py's.
 */
object BaselineProfile {
    private class Rule(val flags: String, val target: Regex, val wholeClass: Boolean)

    private val line = Regex("""^([HSP]*)(L[^-]+;)(->(.*))?\s*$""")

    private fun pattern(descriptor: String): Regex = Regex(
        Regex("""\*\*|\*|\?|[^*?]+""").findAll(descriptor).joinToString("") {
            when (it.value) {
                "**" -> """[-\w$<>/;\[\]]*"""
                "*" -> """[-\w$<>\[\]]*"""
                "?" -> """[\w<>\[\]]"""
                else -> Regex.escape(it.value)
            }
        },
    )

    private fun rules(lines: List<String>): List<Rule> = lines.mapNotNull { text ->
        val m = line.find(text) ?: return@mapNotNull null
        val (flags, target, _, method) = m.destructured
        Rule(flags, pattern(target), method == "**(**)**")
    }

    private fun descriptor(className: String) = "L${className.replace('.', '/')};"

    /** Classes a class rule names: loaded and initialised into the startup image. */
    fun loaded(lines: List<String>, className: String): Boolean =
        rules(lines).any { it.flags.isEmpty() && !it.wholeClass && it.target.matches(descriptor(className)) }

    /** Classes whose every method a rule marks hot and startup: ART compiles them at install. */
    fun compiled(lines: List<String>, className: String): Boolean =
        rules(lines).any { 'H' in it.flags && 'S' in it.flags && it.wholeClass && it.target.matches(descriptor(className)) }

    /**
     * The rules to add so that [classes] are covered, ready to paste: per top-level class, one
     * rule for it and one for its nested and synthetic classes (`Foo$*`, whose names differ
     * between Kotlin compilers).
     */
    fun missing(lines: List<String>, classes: Collection<String>): List<String> = classes.sorted().flatMap { c ->
        val top = c.substringBefore('$').replace('.', '/') + if ('$' in c) "\$*" else ""
        listOfNotNull(
            "HSPL$top;->**(**)**".takeIf { !compiled(lines, c) },
            "L$top;".takeIf { !loaded(lines, c) },
        )
    }.distinct()
}

class BaselineProfileTests {
    private val repo: Path = Paths.get(System.getProperty("checkoutbridge.repo") ?: error("-Dcheckoutbridge.repo is not set"))

    @TempDir
    lateinit var dir: Path

    /** The JVM-flavoured bindings' classes that the Android flavour does not have (its cleaner is Android's). */
    private val jvmOnly = setOf("io.checkoutbridge.JavaLangRefCleaner", "io.checkoutbridge.JavaLangRefCleanable")

    @Test
    fun `every class of the library and JNA that a cold-start checkout loads is in baseline-prof txt`() {
        val log = dir.resolve("class-load.log")
        val seen = runWarmUpProbe(dir, "layer", listOf("-Xlog:class+load=info:file=$log"))
        assertEquals("PAID", seen["result"])
        val loaded = log.readLines().mapNotNull { Regex("""\[class,load] (\S+) source:""").find(it)?.groupValues?.get(1) }
        val ours = loaded.filter { it.startsWith("io.checkoutbridge.") || it.startsWith("com.sun.jna.") }
            .filterNot { it.startsWith("io.checkoutbridge.android.jvmtest.") || it.startsWith("io.checkoutbridge.tests.") }
            .filterNot { "/0x" in it || "\$\$Lambda" in it } // hidden classes: lambdas the JVM spins at run time
            .filterNot { it in jvmOnly }
            .toSet()
        assertTrue(ours.any { it.startsWith("io.checkoutbridge.android.") } && ours.any { it.startsWith("com.sun.jna.") }, "class-load log: $ours")
        val profile = repo.resolve("android/src/main/baseline-prof.txt").readLines()
        val missing = BaselineProfile.missing(profile, ours)
        assertTrue(missing.isEmpty(), "rules to add to android/src/main/baseline-prof.txt:\n" + missing.joinToString("\n"))
    }

    @Test
    fun `caught - a loaded class without its rules, a nested one without the wildcard, a rule with the wrong flags`() {
        val profile = repo.resolve("android/src/main/baseline-prof.txt").readText().lines()
        val runtime = "io.checkoutbridge.android.CheckoutRuntime"
        val nested = "io.checkoutbridge.android.CheckoutRuntime\$withFlow\$1"
        assertEquals(emptyList(), BaselineProfile.missing(profile, listOf(runtime, nested)))
        val withoutMethods = profile.filterNot { it == "HSPLio/checkoutbridge/android/CheckoutRuntime;->**(**)**" }
        assertEquals(listOf("HSPLio/checkoutbridge/android/CheckoutRuntime;->**(**)**"), BaselineProfile.missing(withoutMethods, listOf(runtime, nested)))
        val withoutNested = profile.filterNot { "io/checkoutbridge/android/CheckoutRuntime\$*;" in it }
        assertEquals(
            listOf("HSPLio/checkoutbridge/android/CheckoutRuntime\$*;->**(**)**", "Lio/checkoutbridge/android/CheckoutRuntime\$*;"),
            BaselineProfile.missing(withoutNested, listOf(runtime, nested)),
        )
        val postStartupOnly = profile.map { it.replace("HSPLio/checkoutbridge/android/CheckoutRuntime;->", "PLio/checkoutbridge/android/CheckoutRuntime;->") }
        assertEquals(listOf("HSPLio/checkoutbridge/android/CheckoutRuntime;->**(**)**"), BaselineProfile.missing(postStartupOnly, listOf(runtime)))
        val noClassRule = profile.filterNot { it == "Lio/checkoutbridge/android/CheckoutRuntime;" }
        assertEquals(listOf("Lio/checkoutbridge/android/CheckoutRuntime;"), BaselineProfile.missing(noClassRule, listOf(runtime)))
    }
}
