// Compile-only stand-in (android/test-support/README.md) for androidx.activity:activity-compose
// 1.10's ManagedActivityResultLauncher and rememberLauncherForActivityResult, as published at
// https://developer.android.com/reference/kotlin/androidx/activity/compose/ManagedActivityResultLauncher
// and https://developer.android.com/reference/kotlin/androidx/activity/compose/rememberLauncherForActivityResult.composable
// ("@Composable fun <I, O> rememberLauncherForActivityResult(contract: ActivityResultContract<I, O>,
//  onResult: (O) -> Unit): ManagedActivityResultLauncher<I, O>").
package androidx.activity.compose

import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContract
import androidx.compose.runtime.Composable

class ManagedActivityResultLauncher<I, O> private constructor() : ActivityResultLauncher<I>()

@Composable
fun <I, O> rememberLauncherForActivityResult(
    contract: ActivityResultContract<I, O>,
    onResult: (O) -> Unit,
): ManagedActivityResultLauncher<I, O> = throw UnsupportedOperationException("compile-only stub of androidx.activity.compose (android/test-support)")
