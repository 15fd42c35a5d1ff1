void f(void)
{
#ifndef CONFIG_FOO
	bar();
#endif
	b();
}
