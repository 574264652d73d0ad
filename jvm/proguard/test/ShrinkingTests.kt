// Release shrinking proven with ProGuard: the app-like entry point (jvm/proguard/app), the
// platform layer's JVM classes, the bindings with kotlin-support, kotlinx-coroutines, JNA and the
// Kotlin standard library go through ProGuard 7.10.0 (shrink, optimise, obfuscate) with only
// android/consumer-rules.pro and the rules those jars ship, chosen as R8 chooses them; the shrunk
// jar then runs a real checkout against the real library and a stripe-emulator process. The same
// with the consumer rules as they were before `-keepattributes RuntimeVisibleAnnotations` must
// fail at the first call into the library.
package io.checkoutbridge.proguard

import io.checkoutbridge.tests.Emulator
import org.junit.jupiter.api.Test
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.TimeUnit
import java.util.zip.ZipFile
import kotlin.io.path.createDirectories
import kotlin.io.path.readText
import kotlin.io.path.writeText
import kotlin.test.assertEquals
import kotlin.test.assertTrue

class ShrinkingTests {
    private val repo: Path = Paths.get(System.getProperty("checkoutbridge.repo") ?: error("-Dcheckoutbridge.repo is not set"))
    private val work: Path = Paths.get(System.getProperty("checkoutbridge.proguard.work") ?: error("-Dcheckoutbridge.proguard.work is not set"))
    private val classpath: List<String> =
        (System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path")).split(File.pathSeparator)
    private val java = File(System.getProperty("java.home"), "bin/java").path

    /** The classpath entry whose path contains [marker] (a jar name or a module's class directory). */
    private fun entry(marker: String): String = classpath.singleOrNull { marker in it } ?: error("no $marker on the test classpath: $classpath")

    /** What the app ships: its own classes and every runtime library, as R8 takes them (program input). */
    private fun program(): List<String> = listOf(
        entry("checkout-bridge-proguard-check/classes"),
        entry("checkout-bridge-jvm"),
        entry("kotlinx-coroutines-core-jvm-"),
        entry("/kotlin-stdlib-"),
        entry("/jna-"),
    )

    /**
     * The rules a library jar ships, as R8 picks them: `META-INF/com.android.tools/r8…/` when the
     * jar has `META-INF/com.android.tools/` (the unversioned `r8` directory, or one whose
     * `-from-`/`-upto-` range holds a current R8), else `META-INF/proguard/`.
     */
    private fun shippedRules(jar: String): List<String> {
        if (!jar.endsWith(".jar")) return emptyList()
        ZipFile(jar).use { zip ->
            val names = zip.entries().asSequence().map { it.name }.filter { it.endsWith(".pro") }.toList()
            val r8 = names.filter { n ->
                val dir = n.removePrefix("META-INF/com.android.tools/").substringBefore('/')
                n.startsWith("META-INF/com.android.tools/") && (dir == "r8" || (dir.startsWith("r8-from-") && "-upto-" !in dir))
            }
            val chosen = if (names.any { it.startsWith("META-INF/com.android.tools/") }) r8 else names.filter { it.startsWith("META-INF/proguard/") }
            return chosen.map { name -> "# $name from ${File(jar).name}\n" + zip.getInputStream(zip.getEntry(name)).readBytes().decodeToString() }
        }
    }

    /** Shrinks with [consumerRules] into DIR/app.jar; returns DIR. */
    private fun shrink(name: String, consumerRules: String): Path {
        val dir = work.resolve(name).also { it.toFile().deleteRecursively(); it.createDirectories() }
        val jdk = "${System.getProperty("java.home")}/jmods"
        val config = buildString {
            for ((i, p) in program().withIndex()) {
                appendLine("-injars '$p'(!META-INF/versions/**,!module-info.class${if (i > 0) ",!META-INF/MANIFEST.MF" else ""})")
            }
            appendLine("-outjars '${dir.resolve("app.jar")}'")
            for (m in listOf("java.base", "java.net.http", "java.logging", "java.desktop")) {
                appendLine("-libraryjars '$jdk/$m.jmod'(!**.jar;!module-info.class)")
            }
            appendLine("-libraryjars '${entry("/annotations-")}'")
            // On a device this is android.jar's (the app's library jar); the desktop JDK has none.
            appendLine("-dontwarn android.annotation.SuppressLint")
            appendLine("-keep class com.example.shop.ShopMainKt { public static void main(java.lang.String[]); }")
            // Guardsquare/proguard#460: this one optimisation miscompiles kotlinx-coroutines (R8 has no such pass).
            appendLine("-optimizations !method/specialization/parametertype")
            appendLine("-dontnote")
            appendLine("-printusage '${dir.resolve("removed.txt")}'")
            appendLine("-printmapping '${dir.resolve("mapping.txt")}'")
            appendLine("# ---- android/consumer-rules.pro ($name)")
            appendLine(consumerRules)
            for (p in program()) shippedRules(p).forEach { appendLine(it) }
        }
        dir.resolve("proguard.pro").writeText(config)
        val out = run(listOf(java, "-cp", classpath.joinToString(File.pathSeparator), "proguard.ProGuard", "@${dir.resolve("proguard.pro")}"), dir.resolve("proguard.log"))
        assertEquals(0, out.first, "ProGuard failed:\n${out.second.takeLast(4000)}")
        return dir
    }

    private fun run(command: List<String>, log: Path): Pair<Int, String> {
        val p = ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start()
        assertTrue(p.waitFor(240, TimeUnit.SECONDS), "${command.take(4)} did not finish")
        return p.exitValue() to log.readText()
    }

    /** Runs the shrunk app against the emulator: (exit code, output). */
    private fun roundTrip(dir: Path): Pair<Int, String> = run(
        listOf(
            java, "-Xss4m", "-Djna.library.path=${System.getProperty("jna.library.path")}", "-cp", dir.resolve("app.jar").toString(),
            "com.example.shop.ShopMainKt", Emulator.baseUrl, Files.createTempDirectory(dir, "store").toString(),
        ),
        dir.resolve("run.log"),
    )

    private val rules: String get() = repo.resolve("android/consumer-rules.pro").readText()

    @Test
    fun `shrunk, optimised and obfuscated with the consumer rules - the round trip pays and verifies`() {
        val dir = shrink("consumer-rules", rules)
        val mapping = dir.resolve("mapping.txt").readText()
        // It really was shrunk and obfuscated: the app's own classes are renamed, unused library code is gone.
        val renamed = Regex("""^com\.example\.shop\.(\S+) -> com\.example\.shop\.(\S+):$""", RegexOption.MULTILINE).findAll(mapping)
        assertTrue(renamed.any { it.groupValues[1] != it.groupValues[2] }, "the app's classes were not obfuscated")
        assertTrue(Regex("""^kotlinx\.coroutines\.\S+ -> [a-z]{1,3}(\.[a-z]{1,3})*:$""", RegexOption.MULTILINE).containsMatchIn(mapping), "kotlinx.coroutines was not obfuscated")
        assertTrue(Files.size(dir.resolve("removed.txt")) > 10_000, "nothing was removed")
        val (code, out) = roundTrip(dir)
        assertEquals(0, code, out.takeLast(4000))
        assertTrue(Regex("""round trip: PAID \S+""").containsMatchIn(out), out)
    }

    @Test
    fun `caught - the consumer rules without -keepattributes RuntimeVisibleAnnotations fail at the first call`() {
        val old = rules.lines().filterNot { it.trimStart().startsWith("-keepattributes") }.joinToString("\n")
        assertTrue(old != rules, "the consumer rules have no -keepattributes line to take out")
        val dir = shrink("without-keepattributes", old)
        val (code, out) = roundTrip(dir)
        assertTrue(code != 0, "the round trip passed without the annotations:\n$out")
        assertTrue("does not provide enough names" in out && "getFieldOrder" in out, out.takeLast(4000))
    }
}
