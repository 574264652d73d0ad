// What a Gradle build and a device would read in android/, checked by reading the files (no Android
// SDK here): the AndroidX property the Android Gradle plugin requires, the library manifest's
// entries (no singleTask on the management activity), a sample manifest with no checkout-bridge
// entries, and the library build's publishing and JVM-target settings. Each rule is also shown to catch a broken
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
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** The rules, over a repository root (the real one or a mutated copy). */
object ModuleLayout {
    const val ANDROID_NS = "http://schemas.android.com/apk/res/android"
    const val PKG = "io.checkoutbridge.android"
    const val REDIRECT = "$PKG.CheckoutRedirectActivity"
    const val MANAGEMENT = "$PKG.CheckoutManagementActivity"
    const val INITIALIZER = "$PKG.CheckoutBridgeInitializer"
    const val PLACEHOLDER = "\${checkoutRedirectScheme}"
    val FILES = listOf(
        "android/gradle.properties", "android/build.gradle.kts", "android/samples/AndroidManifest.xml",
        "android/src/main/AndroidManifest.xml", "android/sample/src/main/AndroidManifest.xml",
        "android/sample/build.gradle.kts", "docs/android.md",
    )

    fun problems(root: Path): List<String> = buildList {
        addAll(gradleProperties(root.resolve("android/gradle.properties")))
        addAll(buildScript(root.resolve("android/build.gradle.kts").readText()))
        addAll(libraryManifest(root.resolve("android/src/main/AndroidManifest.xml").readText(), root.resolve("android/src/main/kotlin")))
        addAll(sampleApp(root.resolve("android/sample/src/main/AndroidManifest.xml").readText(), root.resolve("android/sample/build.gradle.kts").readText()))
        addAll(appLinkSample(root.resolve("android/samples/AndroidManifest.xml").readText()))
        addAll(readmeSnippet(root.resolve("docs/android.md").readText()))
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
        // Auth Tab: androidx.browser 1.9.0, which requires compileSdk 36.
        val browser = Regex(""""androidx\.browser:browser:(\d+)\.(\d+)""").find(code)?.destructured?.let { (a, b) -> a.toInt() * 100 + b.toInt() }
        if (browser == null || browser < 109) add("build.gradle.kts: androidx.browser older than 1.9.0 has no AuthTabIntent")
        val sdk = Regex("""compileSdk = (\d+)""").find(code)?.groupValues?.get(1)?.toInt()
        if (sdk == null || sdk < 36) add("build.gradle.kts: androidx.browser 1.9.0 needs compileSdk 36, not $sdk")
    }

    private fun parse(xml: String): Element = DocumentBuilderFactory.newInstance()
        .apply { isNamespaceAware = true }
        .newDocumentBuilder().parse(org.xml.sax.InputSource(StringReader(xml))).documentElement

    private fun Element.children(tag: String): List<Element> {
        val nodes = getElementsByTagName(tag)
        return (0 until nodes.length).map { nodes.item(it) as Element }
    }

    private fun Element.attr(name: String): String? = getAttributeNS(ANDROID_NS, name).ifEmpty { null }

    private fun Element.viewFilters(): List<Element> = children("intent-filter").filter { f ->
        f.children("action").any { it.attr("name") == "android.intent.action.VIEW" } &&
            f.children("category").any { it.attr("name") == "android.intent.category.BROWSABLE" } &&
            f.children("category").any { it.attr("name") == "android.intent.category.DEFAULT" }
    }

    private fun libraryManifest(xml: String, sources: Path): List<String> = buildList {
        val root = parse(xml)
        val queries = root.children("queries").flatMap { it.children("intent") }
        val actions = queries.flatMap { q -> q.children("action").mapNotNull { it.attr("name") } }
        if ("android.support.customtabs.action.CustomTabsService" !in actions) add("library manifest: no <queries> for the Custom Tabs service")
        val browsers = queries.any { q ->
            q.children("action").any { it.attr("name") == "android.intent.action.VIEW" } && q.children("data").any { it.attr("scheme") == "https" }
        }
        if (!browsers) add("library manifest: no <queries> for browsers (VIEW https)")
        val app = root.children("application").singleOrNull() ?: run { add("library manifest: no <application>"); return@buildList }
        val activities = app.children("activity")
        val redirect = activities.singleOrNull { it.attr("name") == REDIRECT }
        if (redirect == null) {
            add("library manifest: no $REDIRECT")
        } else {
            if (redirect.attr("exported") != "true") add("library manifest: the redirect activity must be exported (browsers start it)")
            val custom = redirect.viewFilters().flatMap { it.children("data") }.any { it.attr("scheme") == PLACEHOLDER && it.attr("host") == "checkout" }
            if (!custom) add("library manifest: the redirect activity has no VIEW/BROWSABLE/DEFAULT filter for $PLACEHOLDER://checkout")
        }
        val management = activities.singleOrNull { it.attr("name") == MANAGEMENT }
        if (management == null) {
            add("library manifest: no $MANAGEMENT")
        } else {
            if (management.attr("exported") != "false") add("library manifest: $MANAGEMENT must not be exported (only the contract starts it)")
            if (management.children("intent-filter").isNotEmpty()) add("library manifest: $MANAGEMENT must have no intent filter; links go through the redirect activity")
            val mode = management.attr("launchMode")
            if (mode == "singleTask" || mode == "singleInstance") add("library manifest: $MANAGEMENT is $mode; the redirect makes that unnecessary")
        }
        val scheme = app.children("meta-data").singleOrNull { it.attr("name") == "$PKG.REDIRECT_SCHEME" }
        if (scheme?.attr("value") != PLACEHOLDER) add("library manifest: the $PKG.REDIRECT_SCHEME meta-data must carry $PLACEHOLDER")
        val provider = app.children("provider").singleOrNull { it.attr("name") == INITIALIZER }
        if (provider == null || provider.attr("exported") != "false" || provider.attr("authorities")?.contains("\${applicationId}") != true) {
            add("library manifest: $INITIALIZER must be declared, not exported, with an authority under \${applicationId}")
        }
        val declared = (activities + app.children("provider")).mapNotNull { it.attr("name") }.filter { it.startsWith("$PKG.") }
        for (name in declared) {
            val file = sources.resolve(name.replace('.', '/') + ".kt")
            if (!Files.exists(file) || !file.readText().contains("class ${name.substringAfterLast('.')} :")) add("library manifest: $name has no class in android/src/main/kotlin")
        }
    }

    private fun sampleApp(xml: String, gradle: String): List<String> = buildList {
        if ("io.checkoutbridge" in xml.replace(Regex("<!--.*?-->", RegexOption.DOT_MATCHES_ALL), "")) {
            add("sample manifest: declares checkout-bridge entries; a custom-scheme app needs none")
        }
        // The sample is the README's integration: configured in its activity, no Application
        // subclass, so no android:name on <application> either.
        if (parse(xml).children("application").any { it.attr("name") != null }) {
            add("sample manifest: <application android:name> names an Application subclass; the README's integration needs none")
        }
        val code = gradle.lines().joinToString("\n") { it.substringBefore("//") }
        if (!Regex("""manifestPlaceholders\["checkoutRedirectScheme"] = "[a-z][a-z0-9+.-]*"""").containsMatchIn(code)) {
            add("sample build.gradle.kts: no manifestPlaceholders[\"checkoutRedirectScheme\"]")
        }
    }

    private fun appLinkSample(xml: String): List<String> = buildList {
        val activities = parse(xml).children("activity")
        val redirect = activities.singleOrNull { it.attr("name") == REDIRECT }
            ?: run { add("App Link sample: no $REDIRECT entry"); return@buildList }
        val https = redirect.viewFilters().filter { f -> f.children("data").any { it.attr("scheme") == "https" && it.attr("host") != null } }
        if (https.none { it.getAttributeNS(ANDROID_NS, "autoVerify") == "true" }) add("App Link sample: no autoVerify https filter on the redirect activity")
        if (activities.size != 1 || redirect.children("meta-data").isNotEmpty()) add("App Link sample: only the redirect activity's https filter is needed")
    }

    /** The counted lines of the README snippet at the end of docs/android.md. */
    class Snippet(
        val kotlinLines: Int,
        val statedKotlin: Int?,
        val manifestLines: Int,
        val statedManifest: Int?,
        val hasGradle: Boolean,
        val kotlin: String = "",
    )

    fun snippet(doc: String): Snippet? {
        val block = doc.substringAfter("<!-- README snippet: start -->", "").substringBefore("<!-- README snippet: end -->", "")
        if (block.isEmpty()) return null
        val blocks = Regex("```(\\w+)\n(.*?)```", RegexOption.DOT_MATCHES_ALL).findAll(block).map { it.groupValues[1] to it.groupValues[2] }.toList()
        val counted = { code: String -> code.lines().map { it.trim() }.count { it.isNotEmpty() && !it.startsWith("//") && !it.startsWith("<!--") } }
        val app = blocks.filter { (lang, code) -> lang == "kotlin" && "import io.checkoutbridge" in code }.map { it.second }
        val kotlin = app.sumOf { counted(it) }
        val manifest = blocks.filter { (lang, _) -> lang == "xml" }.sumOf { counted(it.second) }
        val gradle = blocks.any { (_, code) -> "checkout-bridge-android" in code && "manifestPlaceholders[\"checkoutRedirectScheme\"]" in code }
        return Snippet(
            kotlin, Regex("""App code: (\d+) counted lines""").find(block)?.groupValues?.get(1)?.toInt(),
            manifest, Regex("""Manifest: (\d+) lines""").find(block)?.groupValues?.get(1)?.toInt(), gradle,
            app.joinToString("\n"),
        )
    }

    private fun readmeSnippet(doc: String): List<String> = buildList {
        val s = snippet(doc) ?: run { add("docs/android.md: no README snippet block"); return@buildList }
        if (s.kotlinLines > 12) add("docs/android.md README snippet: ${s.kotlinLines} counted Kotlin lines, more than 12")
        if (s.statedKotlin != s.kotlinLines) add("docs/android.md README snippet states ${s.statedKotlin} Kotlin lines; it has ${s.kotlinLines}")
        if (s.manifestLines != 0 || s.statedManifest != 0) add("docs/android.md README snippet: a custom scheme needs 0 manifest lines (has ${s.manifestLines}, states ${s.statedManifest})")
        if (!s.hasGradle) add("docs/android.md README snippet: no Gradle dependency with the checkoutRedirectScheme placeholder")
        // 0 manifest lines means no android:name either: an Application subclass needs one in an
        // app that has none yet. The configuration goes in the activity that launches checkouts.
        val code = s.kotlin.lines().joinToString("\n") { it.substringBefore("//") }
        if (Regex(""":\s*Application\s*\(""").containsMatchIn(code)) {
            add("docs/android.md README snippet: an Application subclass (it needs android:name in the app's manifest)")
        }
        val activity = code.substringAfter(": ComponentActivity()", "")
        if (!Regex("""\bCheckoutBridge\.configure\w*\(""").containsMatchIn(activity)) {
            add("docs/android.md README snippet: the activity does not configure the layer (CheckoutBridge.configure…)")
        }
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
        repo.resolve("android/src/main/kotlin").toFile().copyRecursively(tmp.resolve("android/src/main/kotlin").toFile())
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
    fun `the repository's android module, manifests, sample and docs agree`() {
        assertEquals(emptyList(), ModuleLayout.problems(repo))
        val snippet = assertNotNull(ModuleLayout.snippet(repo.resolve("docs/android.md").readText()))
        assertTrue(snippet.kotlinLines in 1..12, "README snippet: ${snippet.kotlinLines} counted Kotlin lines")
        assertEquals(0, snippet.manifestLines)
    }

    @Test
    fun `caught - gradle properties without AndroidX`() {
        assertCaught(brokenCopy("android/gradle.properties") { it.replace("android.useAndroidX=true", "") }, "android.useAndroidX")
        tmp.toFile().deleteRecursively()
        assertCaught(brokenCopy("android/gradle.properties") { it.replace("android.useAndroidX=true", "android.useAndroidX=false") }, "android.useAndroidX")
    }

    @Test
    fun `caught - toolchain, legacy packaging, no publication, an old androidx browser or compileSdk`() {
        assertCaught(
            brokenCopy("android/build.gradle.kts") {
                it.replace("kotlin {\n", "kotlin {\n    jvmToolchain(17)\n")
                    .replace("`maven-publish`", "")
                    .replace("    publishing {\n        singleVariant", "    packaging { jniLibs.useLegacyPackaging = false }\n    publishing {\n        singleVariant")
                    .replace("androidx.browser:browser:1.9.0", "androidx.browser:browser:1.8.0")
                    .replace("compileSdk = 36", "compileSdk = 35")
            },
            "jvmToolchain", "useLegacyPackaging", "no maven-publish", "no AuthTabIntent", "compileSdk 36",
        )
    }

    @Test
    fun `caught - library manifest without the placeholder filter, meta-data, provider or queries`() {
        assertCaught(
            brokenCopy("android/src/main/AndroidManifest.xml") {
                it.replace("android:scheme=\"\${checkoutRedirectScheme}\"", "android:scheme=\"myapp\"")
                    .replace("android:value=\"\${checkoutRedirectScheme}\"", "android:value=\"myapp\"")
                    .replace("android:authorities=\"\${applicationId}.checkoutbridge\"", "android:authorities=\"fixed.checkoutbridge\"")
                    .replace("android.support.customtabs.action.CustomTabsService", "x").replace("android:scheme=\"https\"", "android:scheme=\"x\"")
            },
            "no VIEW/BROWSABLE/DEFAULT filter", "REDIRECT_SCHEME meta-data", "authority under", "Custom Tabs service", "VIEW https",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("android/src/main/AndroidManifest.xml") {
                it.replace(
                    "android:name=\"io.checkoutbridge.android.CheckoutManagementActivity\"\n            android:exported=\"false\"",
                    "android:name=\"io.checkoutbridge.android.CheckoutManagementActivity\"\n            android:exported=\"true\" android:launchMode=\"singleTask\"",
                ).replace("io.checkoutbridge.android.CheckoutBridgeInitializer", "io.checkoutbridge.android.Missing")
            },
            "must not be exported", "is singleTask", "Missing has no class",
        )
    }

    @Test
    fun `caught - sample app with manifest entries or no placeholder, App Link sample without autoVerify`() {
        assertCaught(
            brokenCopy("android/sample/src/main/AndroidManifest.xml") {
                it.replace("</application>", "<activity android:name=\"io.checkoutbridge.android.CheckoutRedirectActivity\" /></application>")
            },
            "a custom-scheme app needs none",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(brokenCopy("android/sample/build.gradle.kts") { it.replace("manifestPlaceholders", "// manifestPlaceholders") }, "no manifestPlaceholders")
        tmp.toFile().deleteRecursively()
        assertCaught(brokenCopy("android/samples/AndroidManifest.xml") { it.replace("android:autoVerify=\"true\"", "") }, "no autoVerify https filter")
    }

    @Test
    fun `caught - README snippet over 12 lines, a wrong stated count, or manifest lines`() {
        assertCaught(
            brokenCopy("docs/android.md") { doc ->
                doc.replace("class ShopActivity", (1..12).joinToString("") { "val padding$it = $it\n" } + "class ShopActivity")
            },
            "more than 12", "states",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("docs/android.md") { doc ->
                doc.replace("<!-- README snippet: end -->", "```xml\n<activity android:name=\"x\" />\n```\n<!-- README snippet: end -->")
            },
            "0 manifest lines",
        )
    }

    @Test
    fun `caught - README snippet configured in an Application subclass, sample manifest naming one`() {
        // The integration before: configured in Application.onCreate, so an app without an
        // Application subclass had to add android:name to its manifest.
        assertCaught(
            brokenCopy("docs/android.md") { doc ->
                val snippet = doc.substringAfter("<!-- README snippet: start -->")
                val configure = Regex("""\n( *)(CheckoutBridge\.configure[^\n]*)\n""").find(snippet) ?: error("no configure line in the snippet")
                val moved = snippet.replace(configure.value, "\n")
                    .replace("class ShopActivity", "class ShopApp : Application() {\n    override fun onCreate() { super.onCreate(); ${configure.groupValues[2]} }\n}\n\nclass ShopActivity")
                doc.substringBefore("<!-- README snippet: start -->") + "<!-- README snippet: start -->" + moved
            },
            "an Application subclass", "does not configure",
        )
        tmp.toFile().deleteRecursively()
        assertCaught(
            brokenCopy("android/sample/src/main/AndroidManifest.xml") { it.replace("<application", "<application\n        android:name=\"com.example.shop.ShopApp\"") },
            "names an Application subclass",
        )
    }
}
