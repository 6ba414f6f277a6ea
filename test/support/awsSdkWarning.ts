/**
 * Loaded first by mocha (.mocharc.json): the AWS SDK warns, once per
 * process, that its releases after January 2027 will need Node 22. On
 * Node 20 that warning is noise in every run. Its own switch turns off that
 * warning and no other; child processes (the demo) inherit it.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
