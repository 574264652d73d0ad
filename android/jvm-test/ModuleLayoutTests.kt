// What a Gradle build and a device would read in android/, checked by reading the files (no Android
// SDK here): the AndroidX property the Android Gradle plugin requires, the launch mode README.md
// recommends for the checkout activity and the sample manifest's redirect activity, and the
// library build's publishing and JVM-target settings. Each rule is also shown to catch a broken
// copy. The repository root comes from the system property checkoutbridge.repo (jvm/android/pom.xml).
package io.checkoutbridge.android.jvmtest

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import org.w3c.dom.Element
import java.io.StringReader
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.Properties
import javax.xml.parsers.DocumentBuilderFactory
import kotlin.io.path.readText
import kotlin.io.path.writeText
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** The rules, over a repository root (the real one or a mutated copy). */
object ModuleLayout {
    const val ANDROID_NS = "http://schemas.android.com/apk/res/android"
    const val REDIRECT = "io.checkoutbridge.android.CheckoutRedirectActivity"
    const val RETURN_ACTIVITY = "io.checkoutbridge.android.RETURN_ACTIVITY"
    val FILES = listOf(
        "android/gradle.properties", "android/build.gradle.kts", "android/samples/AndroidManifest.xml",
        "android/src/main/AndroidManifest.xml", "README.md",
    )

    fun problems(root: Path): List<String> = buildList {
        addAll(gradleProperties(root.resolve("android/gradle.properties")))
        addAll(buildScript(root.resolve("android/build.gradle.kts").readText()))
        val recommended = readmeLaunchModes(root.resolve("README.md").readText())
        addAll(sampleManifest(root.resolve("android/samples/AndroidManifest.xml").readText(), recommended))
        addAll(libraryManifest(root.resolve("android/src/main/AndroidManifest.xml").readText()))
    }

    private fun gradleProperties(file: Path): List<String> {
        if (!Files.exists(file)) return listOf("android/gradle.properties is missing (android.useAndroidX=true)")
        val props = Properties().apply { Files.newBufferedReader(file).use { load(it) } }
        return if (props.getProperty("android.useAndroidX")?.trim() == "true") emptyList()
        else listOf("android/gradle.properties does not set android.useAndroidX=true")
    }

    private fun buildScript(text: String): List<String> = buildList {
        val code = text.lines().map { it.substringBefore("//") }.joinToString("\n")
        if ("jvmToolchain(" in code) add("build.gradle.kts: jvmToolchain needs a toolchain resolver; set the JVM target")
        if ("useLegacyPackaging" in code) add("build.gradle.kts: useLegacyPackaging is the app's setting, not the library's")
        if (!Regex("""`maven-publish`|id\("maven-publish"\)""").containsMatchIn(code)) add("build.gradle.kts: no maven-publish")
        if ("from(components[\"release\"])" !in code) add("build.gradle.kts: the publication is not the release AAR")
    }

    /** Every `android:launchMode="…"` README.md's Android section names. */
    fun readmeLaunchModes(readme: String): Set<String> {
        val section = readme.substringAfter("\n## Android\n", "").substringBefore("\n## iOS\n")
        return Regex("""android:launchMode="(\w+)"""").findAll(section).map { it.groupValues[1] }.toSet()
    }

    private fun parse(xml: String): Element = DocumentBuilderFactory.newInstance()
        .apply { isNamespaceAware = true }
        .newDocumentBuilder().parse(org.xml.sax.InputSource(StringReader(xml))).documentElement

    private fun Element.children(tag: String): List<Element> {
        val nodes = getElementsByTagName(tag)
        return (0 until nodes.length).map { nodes.item(it) as Element }
    }

    private fun Element.attr(name: String): String? = getAttributeNS(ANDROID_NS, name).ifEmpty { null }

    private fun Element.hasViewFilter(): Boolean = children("intent-filter").any { f ->
        f.children("action").any { it.attr("name") == "android.intent.action.VIEW" } &&
            f.children("category").any { it.attr("name") == "android.intent.category.BROWSABLE" } &&
            f.children("category").any { it.attr("name") == "android.intent.category.DEFAULT" } &&
            f.children("data").any { it.attr("scheme") != null }
    }

    private fun sampleManifest(xml: String, recommended: Set<String>): List<String> = buildList {
        val activities = parse(xml).children("activity")
        val redirect = activities.singleOrNull { it.attr("name") == REDIRECT }
        if (redirect == null) {
            add("sample manifest: no $REDIRECT")
            return@buildList
        }
        if (redirect.attr("exported") != "true") add("sample manifest: the redirect activity must be exported (browsers start it)")
        if (!redirect.hasViewFilter()) add("sample manifest: the redirect activity has no VIEW/BROWSABLE/DEFAULT intent filter with a scheme")
        val target = redirect.children("meta-data").singleOrNull { it.attr("name") == RETURN_ACTIVITY }?.attr("value")
        val checkout = activities.singleOrNull { it.attr("name") == target }
        if (target == null || target.startsWith(".")) {
            add("sample manifest: the redirect activity's $RETURN_ACTIVITY meta-data must name a fully qualified class")
        } else if (checkout == null) {
            add("sample manifest: $RETURN_ACTIVITY names $target, which the manifest does not declare")
        } else {
            if (checkout.hasViewFilter()) add("sample manifest: $target has the link's intent filter; links must go through the redirect activity")
            val mode = checkout.attr("launchMode") ?: "standard"
            if (recommended != setOf(mode)) {
                add("README.md recommends launchMode $recommended for the checkout activity; the sample manifest has $mode")
            }
            if (mode == "singleTask" || mode == "singleInstance") add("sample manifest: $target is $mode; the redirect makes that unnecessary")
        }
    }

    private fun libraryManifest(xml: String): List<String> = buildList {
        val queries = parse(xml).children("queries").flatMap { it.children("intent") }
        val actions = queries.flatMap { q -> q.children("action").mapNotNull { it.attr("name") } }
        if ("android.support.customtabs.action.CustomTabsService" !in actions) add("library manifest: no <queries> for the Custom Tabs service")
        val browsers = queries.any { q ->
            q.children("action").any { it.attr("name") == "android.intent.action.VIEW" } && q.children("data").any { it.attr("scheme") == "https" }
        }
        if (!browsers) add("library manifest: no <queries> for browsers (VIEW https)")
    }
}

class ModuleLayoutTests {
    private val repo: Path = Paths.get(System.getProperty("checkoutbridge.repo") ?: error("-Dcheckoutbridge.repo is not set"))

    @TempDir
    lateinit var tmp: Path

    /** A copy of the files the rules read, with [edit] applied to [file]. */
    private fun brokenCopy(file: String, edit: (String) -> String): Path {
        for (f in ModuleLayout.FILES) {
            val to = tmp.resolve(f)
            Files.createDirectories(to.parent)
            Files.copy(repo.resolve(f), to)
        }
        val target = tmp.resolve(file)
        val before = target.readText()
        val after = edit(before)
        assertTrue(after != before, "the mutation of $file changed nothing")
        target.writeText(after)
        return tmp
    }

    private fun assertCaught(root: Path, vararg expected: String) {
        val found = ModuleLayout.problems(root)
        for (e in expected) assertTrue(found.any { e in it }, "expected a problem mentioning '$e', got $found")
    }

    @Test
    fun `the repository's android module, sample manifest and README agree`() {
        assertEquals(emptyList(), ModuleLayout.problems(repo))
        assertEquals(setOf("standard"), ModuleLayout.readmeLaunchModes(repo.resolve("README.md").readText()))
    }

    @Test
    fun `caught - gradle properties without AndroidX`() {
        assertCaught(brokenCopy("android/gradle.properties") { it.replace("android.useAndroidX=true", "") }, "android.useAndroidX")
        tmp.toFile().deleteRecursively()
        assertCaught(brokenCopy("android/gradle.properties") { it.replace("android.useAndroidX=true", "android.useAndroidX=false") }, "android.useAndroidX")
        tmp.toFile().deleteRecursively()
        assertCaught(brokenCopy("android/gradle.properties") { "" }, "android.useAndroidX")
    }

    @Test
    fun `caught - README recommends another launch mode than the sample`() {
        assertCaught(
            brokenCopy("README.md") { it.replace("android:launchMode=\"standard\"", "android:launchMode=\"singleTop\"") },
            "README.md recommends launchMode [singleTop]",
        )
    }

    @Test
    fun `caught - the old layout - link filters on a singleTop checkout activity, no redirect`() {
        val old = brokenCopy("android/samples/AndroidManifest.xml") { xml ->
            xml.replace(Regex("""<activity\s+android:name="io.checkoutbridge.android.CheckoutRedirectActivity""""),
                "<activity android:name=\"com.example.shop.Other\"")
        }
        assertCaught(old, "no io.checkoutbridge.android.CheckoutRedirectActivity")
    }

    @Test
    fun `caught - the redirect names an undeclared or relative activity, or the checkout activity keeps the filter`() {
        assertCaught(
            brokenCopy("android/samples/AndroidManifest.xml") {
                it.replace("android:value=\"com.example.shop.CheckoutActivity\"", "android:value=\"com.example.shop.Missing\"")
            },
            "which the manifest does not declare",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("android/samples/AndroidManifest.xml") {
                it.replace("android:value=\"com.example.shop.CheckoutActivity\"", "android:value=\".CheckoutActivity\"")
            },
            "fully qualified",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("android/samples/AndroidManifest.xml") {
                it.replace(
                    "android:name=\"com.example.shop.CheckoutActivity\"\n            android:exported=\"false\" />",
                    "android:name=\"com.example.shop.CheckoutActivity\" android:exported=\"true\" android:launchMode=\"singleTask\">" +
                        "<intent-filter><action android:name=\"android.intent.action.VIEW\" />" +
                        "<category android:name=\"android.intent.category.DEFAULT\" />" +
                        "<category android:name=\"android.intent.category.BROWSABLE\" />" +
                        "<data android:scheme=\"myapp\" /></intent-filter></activity>",
                )
            },
            "links must go through the redirect activity", "the sample manifest has singleTask", "redirect makes that unnecessary",
        )
    }

    @Test
    fun `caught - toolchain, legacy packaging, no publication, no queries`() {
        assertCaught(
            brokenCopy("android/build.gradle.kts") {
                it.replace("kotlin {\n", "kotlin {\n    jvmToolchain(17)\n")
                    .replace("`maven-publish`", "")
                    .replace("    publishing {\n        singleVariant", "    packaging { jniLibs.useLegacyPackaging = false }\n    publishing {\n        singleVariant")
            },
            "jvmToolchain", "useLegacyPackaging", "no maven-publish",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("android/src/main/AndroidManifest.xml") {
                it.replace("android.support.customtabs.action.CustomTabsService", "x").replace("android:scheme=\"https\"", "android:scheme=\"x\"")
            },
            "Custom Tabs service", "VIEW https",
        )
    }
}
