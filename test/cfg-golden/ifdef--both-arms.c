void f(void)
{
	a();
#ifdef CONFIG_FOO
	foo();
#else
	bar();
#endif
	b();
}
