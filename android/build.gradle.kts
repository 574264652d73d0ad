// checkout-bridge Android library: the UniFFI-generated Kotlin (../bindings/kotlin, used in place),
// the Rust libraries (src/main/jniLibs, from build-rust.sh) and the Custom Tabs layer
// (src/main/kotlin/io/checkoutbridge/android).
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.1.21"
}

// JNA and kotlinx-coroutines at the versions the JVM tests and the bench use: named once, in the
// repository's pom.xml (<jna.version>, <kotlinx.coroutines.version>), and read from there.
val sharedVersions: Map<String, String> = javax.xml.parsers.DocumentBuilderFactory.newInstance()
    .newDocumentBuilder().parse(rootDir.resolve("../pom.xml"))
    .getElementsByTagName("properties").item(0).childNodes
    .let { nodes -> (0 until nodes.length).map { nodes.item(it) } }
    .filter { it.nodeType == org.w3c.dom.Node.ELEMENT_NODE }
    .associate { it.nodeName to it.textContent.trim() }

group = "io.checkoutbridge"
version = "0.1.0"

android {
    namespace = "io.checkoutbridge.android"
    compileSdk = 35

    defaultConfig {
        // minSdk 24 (Android 7.0): the Rust libraries are linked for API 24
        // (build-rust.sh --platform 24; current NDKs cannot target below 21 at all), and 24 is
        // where Android's own TLS policy matches the core's: from API 24 apps no longer trust
        // user-installed CAs by default, and the core never does (README, "TLS and trust roots"),
        // so a payment behaves the same in the core and in the app's own networking.
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            // The committed generated bindings, compiled where they are (no copy to go stale).
            kotlin.srcDir("../bindings/kotlin")
            // Hand-written companion of the bindings (same Kotlin module: it uses their internals).
            kotlin.srcDir("../kotlin-support")
            kotlin.srcDir("src/main/kotlin")
            // arm64-v8a, armeabi-v7a, x86_64, x86 / libcheckout_bridge.so (android/build-rust.sh).
            jniLibs.srcDir("src/main/jniLibs")
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        // Store the .so files uncompressed and page-aligned in the APK (16 KB page devices).
        jniLibs.useLegacyPackaging = false
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    // The bindings load libcheckout_bridge.so through JNA (5.18.1 or later: see pom.xml).
    // `@aar` is the Android flavour (native dispatch libraries per ABI, aligned for 16 KB pages);
    // `api` because the generated classes extend JNA types.
    api("net.java.dev.jna:jna:${sharedVersions.getValue("jna.version")}@aar")
    // The generated suspend functions run on kotlinx.coroutines.
    api("org.jetbrains.kotlinx:kotlinx-coroutines-android:${sharedVersions.getValue("kotlinx.coroutines.version")}")
    // Custom Tabs (CheckoutLauncher.openCustomTab). Google's repository only.
    implementation("androidx.browser:browser:1.8.0")
    // @RequiresApi in the generated bindings.
    implementation("androidx.annotation:annotation:1.9.1")
}
