/* eqscheck-args: -D CONFIG_FOO */
void f(void)
{
#ifndef CONFIG_FOO
	bar();
#endif
	b();
}
